"""The primer's BudgetContext example, end to end, with its budget summary."""

import flopscope as flops
import flopscope.numpy as fnp

with flops.BudgetContext(flop_budget=1_000_000) as ctx:
    x = fnp.ones(100)
    y = x @ fnp.eye(100)  # vector @ matrix: M=1, so 1 * 100 * 100 = 10,000 FLOPs (primer table)
    z = fnp.exp(y)  # pointwise: 100 FLOPs
    total = fnp.sum(z)  # reduction: 100 FLOPs
    W = fnp.ones((100, 100))
    try:
        W @ W  # (100, 100) @ (100, 100) = 1,000,000 FLOPs: more than remains
    except flops.BudgetExhaustedError as err:
        print(f"refused, nothing charged: {err}")
    print(ctx.summary())

print()
print(fnp.budget_summary())  # the session-wide view
