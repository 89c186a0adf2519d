// One include for the CPython and NumPy C APIs, shared by every binding file.
#pragma once

#define PY_SSIZE_T_CLEAN
#include <Python.h>
#include <structmember.h>

#define PY_ARRAY_UNIQUE_SYMBOL flopscope_ARRAY_API
#ifndef FLOPSCOPE_IMPORT_ARRAY
#define NO_IMPORT_ARRAY
#endif
#include <numpy/arrayobject.h>
