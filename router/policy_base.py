"""What every policy model shares: the strict base (`Spec`: unknown keys are errors, frozen) and the
field types several sections use (data classes written as labels, model and rule ids)."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PlainSerializer, WithJsonSchema

from router.profile import DataClass

DATA_CLASSES = [c.label for c in DataClass]


def _data_class(value: Any) -> DataClass:
    if isinstance(value, DataClass):
        return value
    if not isinstance(value, str):
        raise ValueError(f"unknown data class {value!r}; allowed: {', '.join(DATA_CLASSES)}")
    return DataClass.parse(value)


# Fields of this type write their defaults as labels with validate_default=True, so the JSON Schema shows
# "restricted" rather than the IntEnum's 3 while the model still holds a DataClass.
DataClassField = Annotated[
    DataClass,
    BeforeValidator(_data_class),
    PlainSerializer(lambda c: c.label, return_type=str),
    WithJsonSchema({"type": "string", "enum": DATA_CLASSES}),
]
ModelId = Annotated[str, Field(pattern=r"^[A-Za-z0-9][A-Za-z0-9._:-]{0,63}$")]



class Spec(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, use_attribute_docstrings=False)
