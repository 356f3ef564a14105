"""The one MetaData (with its naming convention) and mapper registry that every context's
tables join, and the column types they share."""

from __future__ import annotations

from sqlalchemy import (
    BigInteger,
    DateTime,
    Integer,
    MetaData,
)
from sqlalchemy.orm import registry

metadata = MetaData(
    naming_convention={
        "ix": "ix_%(column_0_label)s",
        "uq": "uq_%(table_name)s_%(column_0_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)

TS = DateTime(timezone=True)

ID = BigInteger().with_variant(Integer, "sqlite")  # SQLite autoincrements INTEGER only

mapper_registry = registry()
