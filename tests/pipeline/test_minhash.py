"""Our MinHash must equal datasketch's ``affine32`` bit for bit: signatures and LSH bands
already stored were made by datasketch, and a new crawl must find them."""

from __future__ import annotations

import hashlib
import random
from pathlib import Path

import numpy as np
import pytest

from pipeline.dedup.minhash import EMPTY_VALUE, minhash_values
from pipeline.dedup.nearcopy import NUM_PERM, SEED, band_hashes, shingles, signature, signature_bytes

datasketch = pytest.importorskip(
    "datasketch", reason="datasketch is a dev dependency (pip install -e '.[dev]')"
)

SEEDS = Path(__file__).resolve().parents[1] / "fixtures" / "seeds"


def _reference(items: list[bytes], num_perm: int = NUM_PERM, seed: int = SEED) -> np.ndarray:
    sig = datasketch.MinHash(num_perm=num_perm, seed=seed, scheme="affine32")
    sig.update_batch(items)
    return np.asarray(sig.hashvalues).astype("<u4")


@pytest.mark.parametrize("size", [1, 2, 7, 300, 5000])
def test_random_sets_equal_datasketch(size: int) -> None:
    rng = random.Random(size)
    items = [rng.randbytes(rng.randint(0, 60)) for _ in range(size)]
    assert np.array_equal(minhash_values(items, NUM_PERM, SEED), _reference(items))


@pytest.mark.parametrize("num_perm,seed", [(16, 1), (64, 42), (256, 20231207)])
def test_other_parameters_equal_datasketch(num_perm: int, seed: int) -> None:
    items = [f"shingle {i}".encode() for i in range(200)]
    assert np.array_equal(minhash_values(items, num_perm, seed), _reference(items, num_perm, seed))


def test_seed_articles_equal_datasketch() -> None:
    for path in sorted(SEEDS.glob("*.txt")):
        items = [s.encode("utf-8") for s in shingles(path.read_text(encoding="utf-8"))]
        ours = signature(path.read_text(encoding="utf-8"))
        assert np.array_equal(ours, _reference(items)), path.name
        assert ours.dtype == np.uint32 and len(ours) == NUM_PERM


def test_empty_set_is_all_max_like_datasketch() -> None:
    ours = minhash_values([], NUM_PERM, SEED)
    assert np.array_equal(ours, _reference([]))
    assert (ours == EMPTY_VALUE).all()


def test_generator_input_and_order_do_not_matter() -> None:
    items = [f"w{i}".encode() for i in range(50)]
    assert np.array_equal(
        minhash_values(iter(items), NUM_PERM, SEED), minhash_values(items[::-1], NUM_PERM, SEED)
    )


def test_stored_form_is_stable() -> None:
    # Pinned so a numpy or hashlib change that alters signatures is caught even if
    # datasketch changed the same way: stored bands would stop matching new ones.
    text = "Hội nghị tập huấn công tác thông tin đối ngoại năm 2024 tại tỉnh Nghệ An"
    packed = signature_bytes(signature(text))
    assert (
        hashlib.sha256(packed).hexdigest()
        == "4f2ef6e826828fb76fe4a01c727b7c27e07b96b9880945c51df1a03f68d9ee4c"
    )
    assert len(band_hashes(packed)) == 32
