"""Several LoRA adapters resident on one model; one active at a time.

peft injects LoRA layers into the model it wraps, in place, so the shared
`HFCausalLM.model` is changed for every user of it. The server therefore keeps
adapter layers *disabled* unless a caller is inside `using(name)`: outside
that block the model computes exactly the base model, for the activation and
plaintext tiers too. One server per model (`AdapterServer.of(model)`);
removing the last adapter unwraps the model back to its plain modules.
Not thread-safe: one query at a time per model.
"""

from __future__ import annotations

import weakref
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import Any

from memos_lab.models.hf_local import HFCausalLM

_SERVERS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


class AdapterNotFoundError(KeyError):
    pass


class AdapterLoadError(ValueError):
    """A state dict does not fit the model; the adapter was not made resident (nothing else changed)."""


class AdapterServer:
    def __init__(self, model: HFCausalLM) -> None:
        self.model = model
        self.peft_model: Any = None  # a peft PeftModel once the first adapter is added
        self.active: str | None = None

    @classmethod
    def of(cls, model: HFCausalLM) -> AdapterServer:
        """The one server of `model`: two servers wrapping the same weights would fight over its layers."""
        if model not in _SERVERS:
            _SERVERS[model] = cls(model)
        return _SERVERS[model]

    def names(self) -> list[str]:
        return [] if self.peft_model is None else sorted(self.peft_model.peft_config)

    def __contains__(self, name: object) -> bool:
        return name in self.names()

    def add(self, name: str, config: Any) -> None:
        """A fresh adapter (peft `LoraConfig`), resident and off; LoRA B starts at zero, so it changes nothing yet."""
        if name in self:
            raise ValueError(f"adapter {name!r} is already resident; unload it first")
        if self.peft_model is None:
            from peft import get_peft_model

            self.peft_model = get_peft_model(self.model.model, config, adapter_name=name)
        else:
            self.peft_model.add_adapter(name, config)
        self._off()

    def load(self, name: str, config: Any, state_dict: Mapping[str, Any]) -> None:
        """Make `name` resident with the given peft state dict (keys as `get_peft_model_state_dict` writes them).

        All or nothing: if the state dict does not fit (missing or unexpected
        keys, a wrong shape), `name` is removed again and AdapterLoadError
        raised; the other adapters and the active one are as they were.
        """
        from peft import set_peft_model_state_dict

        active = self.active
        try:
            self.add(name, config)
            result = set_peft_model_state_dict(self.peft_model, dict(state_dict), adapter_name=name)
        except Exception as exc:  # torch's size mismatch is a RuntimeError; peft raises several kinds
            self._discard(name, active)
            raise AdapterLoadError(f"adapter {name!r}: state dict does not fit the model: {exc}") from exc
        lora_missing = [k for k in result.missing_keys if "lora_" in k and f".{name}." in k]
        if result.unexpected_keys or lora_missing:
            self._discard(name, active)
            raise AdapterLoadError(
                f"adapter {name!r}: state dict does not fit the model "
                f"(unexpected {result.unexpected_keys[:3]}, missing {lora_missing[:3]})"
            )

    def _discard(self, name: str, active: str | None) -> None:
        """Undo a failed load: remove `name` if it got in, and switch back to what was active."""
        if name in self:
            self.unload(name)
        if active is not None and active in self:
            self.activate(active)

    def unload(self, name: str) -> None:
        self._require(name)
        if self.active == name:
            self.deactivate()
        if len(self.names()) == 1:
            self.peft_model.unload()  # removes the LoRA layers: the model is plain again
            self.peft_model = None
        else:
            self.peft_model.delete_adapter(name)
            self._off()

    def activate(self, name: str) -> None:
        """Switch the model to adapter `name` (a pointer swap in every LoRA layer; no weights move)."""
        self._require(name)
        self.peft_model.set_adapter(name, inference_mode=True)
        self.peft_model.base_model.enable_adapter_layers()
        self.active = name

    def deactivate(self) -> None:
        if self.peft_model is not None:
            self._off()
        self.active = None

    @contextmanager
    def using(self, name: str) -> Iterator[Any]:
        """Inside the block the model answers with adapter `name`; afterwards it is the base model again."""
        previous = self.active
        self.activate(name)
        try:
            yield self.peft_model
        finally:
            if previous is None:
                self.deactivate()
            else:
                self.activate(previous)

    def adapter_parameters(self, name: str) -> list[Any]:
        """The LoRA tensors of adapter `name` (what training updates)."""
        self._require(name)
        return [p for n, p in self.peft_model.named_parameters() if "lora_" in n and f".{name}." in n]

    def _off(self) -> None:
        self.peft_model.base_model.disable_adapter_layers()
        self.active = None

    def _require(self, name: str) -> None:
        if name not in self:
            raise AdapterNotFoundError(f"no resident adapter {name!r} (resident: {self.names() or 'none'})")
