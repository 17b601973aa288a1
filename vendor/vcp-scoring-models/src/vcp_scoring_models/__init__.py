"""Model files for the Voice Clone Playground's arena scores (no code that runs a model).

Regenerate with build_from_wheels.py in the source folder; see NOTICE for origins and licences.
"""

from pathlib import Path

__version__ = "0.1.0"
HERE = Path(__file__).resolve().parent
GE2E_NPZ = HERE / "ge2e.npz"  # resemblyzer 0.1.4 pretrained.pt, model_state as float32
DNSMOS_PRIMARY_ONNX = HERE / "dnsmos_sig_bak_ovr.onnx"  # speechmos 0.0.1.1 dnsmos_models/sig_bak_ovr.onnx
DNSMOS_P808_ONNX = HERE / "dnsmos_p808_model_v8.onnx"  # speechmos 0.0.1.1 dnsmos_models/model_v8.onnx
SHA256 = {
    "ge2e.npz": "6dd80d1b5ea167dba1479c57eda6768bb57f6c30cced214148ae228175383c89",
    "dnsmos_sig_bak_ovr.onnx": "269fbebdb513aa23cddfbb593542ecc540284a91849ac50516870e1ac78f6edd",
    "dnsmos_p808_model_v8.onnx": "9246480c58567bc6affd4200938e77eef49468c8bc7ed3776d109c07456f6e91",
}
SOURCES = {
    "ge2e": "resemblyzer==0.1.4 (Apache-2.0), resemblyzer/pretrained.pt",
    "dnsmos": "speechmos==0.0.1.1 (MIT, Microsoft DNS-Challenge DNSMOS), dnsmos_models/",
}
