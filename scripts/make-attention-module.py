#!/usr/bin/env python3
"""Writes the TorchScript module behind the model library's fused attention (FusedAttention.java):
flowpp/src/main/resources/dev/flowwatch/flowpp/nn/attention.pt, 2.5 KB, committed.

DJL has no operator for PyTorch's scaled_dot_product_attention, whose fused CPU and CUDA kernels
never form the L×L scores (at 28×28 the largest arrays of a forward pass), but it runs TorchScript
modules. The module has no weights: its code is the whole of it. TorchScript file format 3: DJL's
libtorch 2.7.1 and PyTorch 2.13's load it; Debian's 1.13, which predates the operator, refuses it
(the library then attends explicitly).

    python3 scripts/make-attention-module.py     # needs PyTorch ≥ 2.1 (`scale` is left default)
"""
import pathlib

import torch
from torch import Tensor


class ScaledDotProductAttention(torch.nn.Module):
    def forward(self, qkv: Tensor) -> Tensor:
        """(N, 3, heads, d, L) queries, keys and values → (N, heads, d, L), softmax(qᵀk/√d)."""
        # the fused kernels want (…, L, d) with d contiguous: given the transposed view as it is,
        # DJL's libtorch 2.7.1 took 3.6 times as long on a CPU
        parts = qkv.transpose(-1, -2).contiguous()
        out = torch.nn.functional.scaled_dot_product_attention(
            parts[:, 0], parts[:, 1], parts[:, 2])
        return out.transpose(-1, -2).contiguous()


if __name__ == "__main__":
    target = (pathlib.Path(__file__).resolve().parent.parent
              / "flowpp/src/main/resources/dev/flowwatch/flowpp/nn/attention.pt")
    module = torch.jit.script(ScaledDotProductAttention())
    module.save(str(target))
    print(module.code)
    print(f"wrote {target} ({target.stat().st_size} bytes) with PyTorch {torch.__version__}")
