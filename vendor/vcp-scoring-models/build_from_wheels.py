"""Regenerate the model files of vcp_scoring_models from the original PyPI wheels.

    python vendor/vcp-scoring-models/build_from_wheels.py [--wheels DIR]

Without --wheels it runs `pip download --no-deps` for the two wheels into a temporary folder.
Every wheel and every written file is checked against the SHA-256 below, so a rebuild either
reproduces the committed files byte for byte or fails loudly.

- resemblyzer 0.1.4 (Apache-2.0): resemblyzer/pretrained.pt, a legacy (pre-zip) torch checkpoint
  of the GE2E speaker encoder. Read here WITHOUT torch by a small unpickler; only the model
  weights (`model_state`, 1.42 M float32) are kept, the optimizer state is dropped, and they are
  written as ge2e.npz (uncompressed, fixed zip timestamps: deterministic).
- speechmos 0.0.1.1 (MIT, Microsoft): the DNSMOS ONNX models dnsmos_models/sig_bak_ovr.onnx
  (SIG/BAK/OVRL) and dnsmos_models/model_v8.onnx (P.808), copied unchanged.
"""

from __future__ import annotations

import argparse
import hashlib
import io
import pickle
import struct
import subprocess
import sys
import tempfile
import zipfile
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
OUT = HERE / "src" / "vcp_scoring_models"
WHEELS = {
    "resemblyzer==0.1.4": ("Resemblyzer-0.1.4-py3-none-any.whl",
                           "8f12eb2f1a9982d32e8db7856de754709b59c93a77bcf0ff536584b619a9dd1f"),
    "speechmos==0.0.1.1": ("speechmos-0.0.1.1-py3-none-any.whl",
                           "31c4c9d3234f6ee10102edff74333014c50006a3f389daf7ecacae34e68ebbf7"),
}
SOURCES = {  # member of the wheel -> sha256
    "resemblyzer/pretrained.pt": "39373b86598fa3da9fcddee6142382efe09777e8d37dc9c0561f41f0070f134e",
    "speechmos/dnsmos_models/sig_bak_ovr.onnx": "269fbebdb513aa23cddfbb593542ecc540284a91849ac50516870e1ac78f6edd",
    "speechmos/dnsmos_models/model_v8.onnx": "9246480c58567bc6affd4200938e77eef49468c8bc7ed3776d109c07456f6e91",
}
OUTPUTS = {  # written file -> sha256 (filled in from the first build; checked on every later one)
    "ge2e.npz": "6dd80d1b5ea167dba1479c57eda6768bb57f6c30cced214148ae228175383c89",
    "dnsmos_sig_bak_ovr.onnx": SOURCES["speechmos/dnsmos_models/sig_bak_ovr.onnx"],
    "dnsmos_p808_model_v8.onnx": SOURCES["speechmos/dnsmos_models/model_v8.onnx"],
}
GE2E_KEYS = [f"lstm.{kind}_l{layer}" for layer in range(3)
             for kind in ("weight_ih", "weight_hh", "bias_ih", "bias_hh")] + ["linear.weight", "linear.bias"]


def sha256(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


# -- torch checkpoints without torch --------------------------------------------------------------
_DTYPES = {"FloatStorage": np.float32, "DoubleStorage": np.float64, "HalfStorage": np.float16,
           "LongStorage": np.int64, "IntStorage": np.int32, "ShortStorage": np.int16,
           "CharStorage": np.int8, "ByteStorage": np.uint8, "BoolStorage": np.bool_}


class _StorageType:
    def __init__(self, name: str) -> None:
        self.dtype = np.dtype(_DTYPES[name])


class _Storage:
    """A flat storage whose bytes arrive after the pickle (legacy) or from archive/data/N (zip)."""

    def __init__(self, dtype: np.dtype, numel: int) -> None:
        self.dtype, self.numel, self.array = dtype, numel, None


class _TensorRef:
    def __init__(self, storage: _Storage, offset: int, size: tuple, stride: tuple) -> None:
        self.storage, self.offset, self.size, self.stride = storage, offset, tuple(size), tuple(stride)

    def numpy(self) -> np.ndarray:
        flat = self.storage.array
        item = flat.itemsize
        view = np.lib.stride_tricks.as_strided(flat[self.offset:], shape=self.size,
                                               strides=tuple(s * item for s in self.stride))
        return np.array(view, copy=True)


def _rebuild_tensor_v2(storage, offset, size, stride, *_ignored):
    return _TensorRef(storage, offset, size, stride)


class _Unpickler(pickle.Unpickler):
    def __init__(self, file, storages: dict) -> None:
        super().__init__(file)
        self.storages = storages

    def find_class(self, module: str, name: str):
        if module == "torch._utils" and name == "_rebuild_tensor_v2":
            return _rebuild_tensor_v2
        if module == "torch" and name in _DTYPES:
            return _StorageType(name)
        if module == "collections" and name == "OrderedDict":
            import collections
            return collections.OrderedDict
        raise pickle.UnpicklingError(f"unexpected global {module}.{name}")

    def persistent_load(self, pid):
        # legacy: ('storage', type, key, location, numel, view); zip: ('storage', type, key, location, numel)
        _, storage_type, key, _location, numel, *_ = pid
        if key not in self.storages:
            self.storages[key] = _Storage(storage_type.dtype, numel)
        return self.storages[key]


def load_torch_checkpoint(data: bytes) -> dict:
    """A torch.save() file (legacy or zip format) -> its object, tensors as _TensorRef."""
    storages: dict[str, _Storage] = {}
    if data[:2] == b"PK":  # zip format: archive/data.pkl + archive/data/<key>
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            names = z.namelist()
            pkl = next(n for n in names if n.endswith("/data.pkl"))
            root = pkl[: -len("data.pkl")]
            obj = _Unpickler(io.BytesIO(z.read(pkl)), storages).load()
            for key, st in storages.items():
                st.array = np.frombuffer(z.read(f"{root}data/{key}"), dtype=st.dtype.newbyteorder("<"))
        return obj
    f = io.BytesIO(data)
    magic, protocol, _sys_info = pickle.load(f), pickle.load(f), pickle.load(f)
    if magic != 0x1950A86A20F9469CFC6C or protocol != 1001:
        raise ValueError("not a torch checkpoint")
    obj = _Unpickler(f, storages).load()
    for key in pickle.load(f):
        st = storages[key]
        (numel,) = struct.unpack("<q", f.read(8))
        st.array = np.frombuffer(f.read(numel * st.dtype.itemsize), dtype=st.dtype.newbyteorder("<"))
    return obj


# -- deterministic .npz ----------------------------------------------------------------------------
def write_npz(path: Path, arrays: dict[str, np.ndarray]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", compression=zipfile.ZIP_STORED) as z:
        for name in sorted(arrays):
            member = io.BytesIO()
            np.lib.format.write_array(member, np.ascontiguousarray(arrays[name]), version=(1, 0))
            info = zipfile.ZipInfo(f"{name}.npy", date_time=(1980, 1, 1, 0, 0, 0))
            info.external_attr = 0o644 << 16
            z.writestr(info, member.getvalue())
    path.write_bytes(buf.getvalue())
    return buf.getvalue()


def fetch_wheels(folder: Path) -> dict[str, bytes]:
    wheels = {}
    for spec, (name, digest) in WHEELS.items():
        path = folder / name
        if not path.exists():
            subprocess.run([sys.executable, "-m", "pip", "download", "--no-deps", "-d", str(folder), spec], check=True)
        data = path.read_bytes()
        if sha256(data) != digest:
            raise SystemExit(f"{name}: SHA-256 {sha256(data)} != {digest}")
        wheels[spec] = data
    return wheels


def member(wheel: bytes, name: str) -> bytes:
    with zipfile.ZipFile(io.BytesIO(wheel)) as z:
        data = z.read(name)
    if sha256(data) != SOURCES[name]:
        raise SystemExit(f"{name}: SHA-256 {sha256(data)} != {SOURCES[name]}")
    return data


def build(folder: Path) -> None:
    wheels = fetch_wheels(folder)
    checkpoint = load_torch_checkpoint(member(wheels["resemblyzer==0.1.4"], "resemblyzer/pretrained.pt"))
    state = checkpoint["model_state"]
    arrays = {key.replace(".", "_"): state[key].numpy().astype(np.float32) for key in GE2E_KEYS}
    written = {"ge2e.npz": write_npz(OUT / "ge2e.npz", arrays)}
    for src, dst in (("speechmos/dnsmos_models/sig_bak_ovr.onnx", "dnsmos_sig_bak_ovr.onnx"),
                     ("speechmos/dnsmos_models/model_v8.onnx", "dnsmos_p808_model_v8.onnx")):
        written[dst] = member(wheels["speechmos==0.0.1.1"], src)
        (OUT / dst).write_bytes(written[dst])
    for name, data in written.items():
        expected = OUTPUTS[name]
        status = "ok" if sha256(data) == expected else ("NEW" if not expected else "MISMATCH")
        print(f"{name:28s} {len(data):>9d} bytes  sha256 {sha256(data)}  {status}")
        if status == "MISMATCH":
            raise SystemExit(f"{name} differs from the committed build")
    print(f"GE2E parameters: {sum(a.size for a in arrays.values())}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--wheels", type=Path, help="folder holding (or receiving) the two wheels")
    args = parser.parse_args()
    if args.wheels:
        args.wheels.mkdir(parents=True, exist_ok=True)
        build(args.wheels)
    else:
        with tempfile.TemporaryDirectory(prefix="vcp-wheels-") as tmp:
            build(Path(tmp))


if __name__ == "__main__":
    main()
