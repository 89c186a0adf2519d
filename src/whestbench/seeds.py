"""Seed protocols (spec section 1.8).

Every MLP gets three independent streams from numpy's SeedSequence:
  weights  -> numpy default_rng, fed to sample_mlp (bit-identical to upstream)
  samples  -> the ground-truth sampler's key (our sampler draws with Philox, so
              ground truth agrees with upstream statistically, not bitwise)
  estimator seed -> mlp.seed
"""

from __future__ import annotations

import hashlib
import os
from dataclasses import dataclass
from typing import List, Optional

import numpy as np

PROTOCOLS = {
    ("whestbench_seedsequence_hierarchy", "2.0"),
    ("whestbench_explicit_per_mlp_seeds", "3.0"),
    ("whestbench_kdf_per_mlp_seeds", "4.0"),
}
SALT_ENV = "WHEST_SEED_SALT"
_V4_EST_PERSON = b"whest-4.0-est"
_V4_NAME_PERSON = b"whest-4.0-name"


@dataclass(frozen=True)
class MLPStreams:
    weights: np.random.SeedSequence
    samples: np.random.SeedSequence
    estimator: np.random.SeedSequence


def live_streams(seed: Optional[int], n_mlps: int) -> List[Optional[MLPStreams]]:
    """Streams of the live (no-dataset) path: SeedSequence(seed).spawn(3 n), MLP i taking
    children 3i, 3i+1, 3i+2. Without a seed every entry is None (fresh entropy, mlp.seed 0)."""
    if seed is None:
        return [None] * n_mlps
    kids = np.random.SeedSequence(int(seed)).spawn(3 * n_mlps)
    return [MLPStreams(kids[3 * i], kids[3 * i + 1], kids[3 * i + 2]) for i in range(n_mlps)]


def input_seed_streams(input_seed: int) -> MLPStreams:
    """Protocols 3.0 and 4.0: SeedSequence(input_seed).spawn(3)."""
    a, b, c = np.random.SeedSequence(int(input_seed)).spawn(3)
    return MLPStreams(a, b, c)


def uint32_seed(ss: np.random.SeedSequence) -> int:
    return int(ss.generate_state(1)[0])


def sampler_key(ss: np.random.SeedSequence) -> int:
    """A 64-bit key for the C++ sampler from the sample stream."""
    return int(ss.generate_state(1, dtype=np.uint64)[0])


def estimator_seed_v3(input_seed: int) -> int:
    return uint32_seed(input_seed_streams(input_seed).estimator)


def _keyed(input_seed: int, salt: bytes, person: bytes) -> int:
    h = hashlib.blake2b(int(input_seed).to_bytes(8, "big"), digest_size=8, key=salt, person=person)
    return int.from_bytes(h.digest(), "big")


def estimator_seed_v4(input_seed: int, salt: bytes) -> int:
    return _keyed(input_seed, salt, _V4_EST_PERSON) & 0xFFFFFFFF


def name_seed_v4(input_seed: int, salt: bytes) -> int:
    return _keyed(input_seed, salt, _V4_NAME_PERSON) & ((1 << 63) - 1)


def resolve_salt(protocol: dict) -> bytes:
    """The protocol-4.0 salt, from the metadata or the environment, checked against salt_digest."""
    source = protocol.get("salt_source", "metadata")
    if source == "env":
        text = os.environ.get(SALT_ENV)
        if not text:
            raise ValueError(f"this dataset's salt comes from the environment: set {SALT_ENV} (hex)")
    else:
        text = protocol.get("salt")
        if not text:
            raise ValueError("seed protocol 4.0 metadata has no 'salt' (salt_source=metadata)")
    try:
        salt = bytes.fromhex(text)
    except ValueError:
        raise ValueError("the protocol-4.0 salt is not valid hex") from None
    digest = protocol.get("salt_digest")
    if digest and hashlib.sha256(salt).hexdigest() != digest:
        raise ValueError("the protocol-4.0 salt does not match the dataset's salt_digest")
    return salt
