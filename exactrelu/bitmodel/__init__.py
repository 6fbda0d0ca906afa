"""The bit model of Doron-Arad and Mossel, "Why ReLU? A Bit-Model Dichotomy for Deep Network Training"
(arXiv 2602.19017, 2026): DAG networks with rational parameters, exact passes with bit accounting,
and the paper's constructions (the multiplication gadget, straight-line programs, the reductions).
docs/bit-model.md walks through the paper's argument, linked to this code."""
