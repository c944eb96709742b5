"""A resident adapter <-> a parameter MemCube.

Payload: the adapter's peft state dict (safetensors via the store). Header
meta: the base model's fingerprint, the peft LoraConfig as a dict, and
whatever the caller adds (training stats). A cube is refused on a model whose
fingerprint differs: LoRA deltas are only meaningful on the weights they were
trained against.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memos_lab.cube import Kind, MemCube, Provenance, fresh_header
from memos_lab.tiers.parameter.serving import AdapterServer

FINGERPRINT_KEY = "model_fingerprint"
CONFIG_KEY = "lora_config"


class FingerprintMismatchError(ValueError):
    """A parameter cube was made for a different base model."""


def adapter_to_cube(
    server: AdapterServer,
    name: str,
    *,
    namespace: str,
    owner: str,
    provenance: Provenance,
    meta: Mapping[str, Any] | None = None,
) -> MemCube:
    """The resident adapter `name` as a new parameter cube."""
    from peft import get_peft_model_state_dict

    server.adapter_parameters(name)  # refuses an unknown name
    state = get_peft_model_state_dict(server.peft_model, adapter_name=name)
    header = fresh_header(
        Kind.PARAMETER,
        namespace=namespace,
        owner=owner,
        provenance=provenance,
        meta={
            **dict(meta or {}),
            FINGERPRINT_KEY: server.model.fingerprint(),
            CONFIG_KEY: lora_config_dict(server.peft_model.peft_config[name]),
        },
    )
    return MemCube(header, {k: v.detach().cpu().clone() for k, v in state.items()})


def cube_to_adapter(server: AdapterServer, cube: MemCube, name: str) -> None:
    """Make the cube's adapter resident on `server` as `name`, after checking the base model."""
    if cube.kind is not Kind.PARAMETER:
        raise TypeError(f"cube {cube.id} is {cube.kind.value}, not a parameter cube")
    check_fingerprint(cube, server.model.fingerprint())
    server.load(name, lora_config_from_cube(cube), cube.payload)


def check_fingerprint(cube: MemCube, fingerprint: Mapping[str, Any]) -> None:
    recorded = cube.header.meta.get(FINGERPRINT_KEY)
    if recorded is None:
        raise FingerprintMismatchError(f"parameter cube {cube.id} has no meta[{FINGERPRINT_KEY!r}]")
    diff = sorted(k for k in set(recorded) | set(fingerprint) if recorded.get(k) != fingerprint.get(k))
    if diff:
        details = ", ".join(f"{k}: cube {recorded.get(k)!r} vs model {fingerprint.get(k)!r}" for k in diff)
        raise FingerprintMismatchError(f"parameter cube {cube.id} was trained on another base model ({details})")


def lora_config_dict(config: Any) -> dict[str, Any]:
    """A JSON-safe dict of a peft LoraConfig (sets become sorted lists, enums their values)."""
    return {k: _json_safe(v) for k, v in config.to_dict().items()}


def lora_config_from_cube(cube: MemCube) -> Any:
    from peft import LoraConfig

    raw = cube.header.meta.get(CONFIG_KEY)
    if not isinstance(raw, Mapping):
        raise ValueError(f"parameter cube {cube.id} has no meta[{CONFIG_KEY!r}] dict")
    known = set(LoraConfig.__dataclass_fields__)
    fields = {k: v for k, v in raw.items() if k in known and k not in ("peft_type", "inference_mode")}
    return LoraConfig(**fields, inference_mode=True)


def _json_safe(value: Any) -> Any:
    if isinstance(value, (set, frozenset)):
        return sorted(_json_safe(v) for v in value)
    if isinstance(value, (list, tuple)):
        return [_json_safe(v) for v in value]
    if isinstance(value, Mapping):
        return {str(k): _json_safe(v) for k, v in value.items()}
    if hasattr(value, "value") and not isinstance(value, (str, int, float, bool)):
        return value.value  # enums: PeftType, TaskType
    if value is None or isinstance(value, (str, int, float, bool)):
        return value
    return str(value)
