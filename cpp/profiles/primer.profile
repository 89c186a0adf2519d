# The default profile: exactly the table of the flopscope primer (the user's description),
# "Operation FLOP Costs". Free creation/views/indexing/joins/copies/casts;
# pointwise 1 FLOP per output element; reductions the input size;
# (M,N) @ (N,K) costs M*N*K (a multiply-add counted once); dtype never matters.
source flopscope-primer.txt, "Operation FLOP Costs"
contraction.multiply_add_flops 1
contraction.output_correction false
reduction.subtract_output false
weight.default 1
