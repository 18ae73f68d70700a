"""MinHash signatures, the ``affine32`` scheme of datasketch 2.x reimplemented in numpy.

Why not import datasketch: its import pulls in scipy and costs each crawl process about
60 MB of memory for the ~20 lines used here. The signatures stay bit-identical to
``datasketch.MinHash(num_perm, seed, scheme="affine32")`` (stored signatures and band
hashes must not change); ``tests/pipeline/test_minhash.py`` checks that against datasketch.

The scheme: each item's bytes are hashed to 32 bits (first four bytes of SHA-1, little
endian), pre-mixed once with the MurmurHash3 finalizer, then permuted ``a_k * h + b_k mod
2**32`` with odd ``a_k``; the signature keeps each permutation's minimum.
"""

from __future__ import annotations

import hashlib
from collections.abc import Iterable
from functools import lru_cache

import numpy as np

__all__ = ["EMPTY_VALUE", "minhash_values"]

EMPTY_VALUE = np.uint32(0xFFFFFFFF)  # a permutation's value when no item was added
_U32 = np.uint32


@lru_cache(maxsize=4)
def _permutations(num_perm: int, seed: int) -> tuple[np.ndarray, np.ndarray]:
    """(a, b) as datasketch draws them: the same generator, calls and order."""
    gen = np.random.RandomState(seed)
    a = gen.randint(0, 1 << 31, num_perm, dtype=_U32) * _U32(2) + _U32(1)
    b = gen.randint(0, 1 << 32, num_perm, dtype=_U32)
    return a, b


def _fmix32(hv: np.ndarray) -> np.ndarray:
    """MurmurHash3's 32-bit finalizer; uint32 arithmetic wraps, which is the mod 2**32 wanted."""
    hv = hv ^ (hv >> _U32(16))
    hv = hv * _U32(0x85EBCA6B)
    hv = hv ^ (hv >> _U32(13))
    hv = hv * _U32(0xC2B2AE35)
    return hv ^ (hv >> _U32(16))


def minhash_values(items: Iterable[bytes], num_perm: int, seed: int) -> np.ndarray:
    """The signature of a set of byte strings: ``num_perm`` uint32 minima."""
    hashes = [int.from_bytes(hashlib.sha1(item).digest()[:4], "little") for item in items]
    if not hashes:
        return np.full(num_perm, EMPTY_VALUE, dtype=_U32)
    a, b = _permutations(num_perm, seed)
    hv = _fmix32(np.array(hashes, dtype=_U32)).reshape(-1, 1)
    return (hv * a + b).min(axis=0)
