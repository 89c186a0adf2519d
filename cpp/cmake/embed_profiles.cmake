# Turns each cpp/profiles/<name>.profile into a string constant, so that cost
# profiles are data files compiled into the core (design.md section 3).
set(_out "// Generated from cpp/profiles/*.profile; do not edit.\n#include \"flopscope/profile.hpp\"\n\nnamespace flopscope::detail {\nconst std::vector<EmbeddedProfile>& embedded_profiles() {\n  static const std::vector<EmbeddedProfile> profiles = {\n")
# Every DIR/<name>.profile (names may contain dots: "flopscope-0.12").
file(GLOB _files ${DIR}/*.profile)
list(SORT _files)
foreach(_file ${_files})
  get_filename_component(_name ${_file} NAME_WLE)
  file(READ ${_file} _text)
  string(APPEND _out "    {\"${_name}\", R\"fsprof(${_text})fsprof\"},\n")
endforeach()
string(APPEND _out "  };\n  return profiles;\n}\n}  // namespace flopscope::detail\n")
file(WRITE ${OUT} "${_out}")
