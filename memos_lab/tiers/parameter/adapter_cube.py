"""A resident adapter <-> a parameter MemCube.

Payload: the adapter's peft state dict (safetensors via the store). Header
meta: the base model's fingerprint, the peft LoraConfig as a dict, and
whatever the caller adds (training stats). A cube is refused on a model whose
fingerprint differs: LoRA deltas are only meaningful on the weights they were
trained against. Before anything is loaded, the metadata's types (a mapping
fingerprint, a LoraConfig dict) and every tensor (floating, finite) are
checked; a state dict that does not fit the model (a wrong shape) is refused
by the server with the model unchanged. Every refusal names the cube.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from memos_lab.cube import Kind, MemCube, Provenance, fresh_header
from memos_lab.tiers.parameter.serving import AdapterLoadError, AdapterServer

FINGERPRINT_KEY = "model_fingerprint"
CONFIG_KEY = "lora_config"
MEMORIES_KEY = "memories"  # a merged adapter: the memories its inputs stood for (its provenance lists the inputs)


class FingerprintMismatchError(ValueError):
    """A parameter cube was made for a different base model."""


class AdapterFormatError(ValueError):
    """A parameter cube's payload or metadata is not a LoRA adapter this code can load."""


def adapter_to_cube(
    server: AdapterServer,
    name: str,
    *,
    namespace: str,
    owner: str,
    provenance: Provenance,
    meta: Mapping[str, Any] | None = None,
    cube_id: str | None = None,
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
        cube_id=cube_id,
        meta={
            **dict(meta or {}),
            FINGERPRINT_KEY: server.model.fingerprint(),
            CONFIG_KEY: lora_config_dict(server.peft_model.peft_config[name]),
        },
    )
    return MemCube(header, {k: v.detach().cpu().clone() for k, v in state.items()})


def memory_sources(header: Any) -> tuple[str, ...]:
    """The memories an adapter cube stands for: its `memories` meta when merged, else what it was distilled from."""
    return tuple(header.meta.get(MEMORIES_KEY, header.provenance.derived_from))


def cube_to_adapter(server: AdapterServer, cube: MemCube, name: str) -> None:
    """Make the cube's adapter resident on `server` as `name`, after checking the base model."""
    if cube.kind is not Kind.PARAMETER:
        raise TypeError(f"cube {cube.id} is {cube.kind.value}, not a parameter cube")
    check_fingerprint(cube, server.model.fingerprint())
    config = lora_config_from_cube(cube)
    state = checked_state(cube)
    try:
        server.load(name, config, state)
    except AdapterLoadError as exc:
        raise AdapterLoadError(f"parameter cube {cube.id}: {exc}") from exc


def checked_state(cube: MemCube) -> dict[str, Any]:
    """The payload as a state dict, refused unless it is named floating-point tensors of finite values."""
    import torch

    if not isinstance(cube.payload, Mapping) or not cube.payload:
        raise AdapterFormatError(f"parameter cube {cube.id}: the payload is not a mapping of tensors")
    for key, tensor in cube.payload.items():
        if not isinstance(tensor, torch.Tensor) or not tensor.is_floating_point():
            found = getattr(tensor, "dtype", type(tensor).__name__)
            raise AdapterFormatError(f"parameter cube {cube.id}: {key} is {found}, not a floating-point tensor")
        if not bool(torch.isfinite(tensor).all()):
            raise AdapterFormatError(f"parameter cube {cube.id}: {key} holds NaN or infinite values")
    return dict(cube.payload)


def check_fingerprint(cube: MemCube, fingerprint: Mapping[str, Any]) -> None:
    recorded = cube.header.meta.get(FINGERPRINT_KEY)
    if recorded is None:
        raise FingerprintMismatchError(f"parameter cube {cube.id} has no meta[{FINGERPRINT_KEY!r}]")
    if not isinstance(recorded, Mapping):
        raise FingerprintMismatchError(
            f"parameter cube {cube.id}: meta[{FINGERPRINT_KEY!r}] must be a mapping, got {type(recorded).__name__}"
        )
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
    try:
        return LoraConfig(**fields, inference_mode=True)
    except (TypeError, ValueError) as exc:
        raise AdapterFormatError(f"parameter cube {cube.id}: meta[{CONFIG_KEY!r}] is not a LoraConfig: {exc}") from exc


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
