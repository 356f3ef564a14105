"""Request bodies of the sign-in and session API (validated at the edge, then passed down)."""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict, Field, StrictInt, StrictStr

from gatehouse.domain.identity.users import Environment, Platform


class Body(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LoginBody(Body):
    username: StrictStr = Field(max_length=256)
    password: StrictStr = Field(max_length=1024)
    platform: Platform = Platform.WEB
    environment: Environment = Environment.LIVE
    device_name: StrictStr = Field(default="", max_length=100)
    device_token: StrictStr = Field(default="", max_length=256)  # from an earlier sign-in


class ChallengeBody(Body):
    factor: StrictStr = Field(max_length=16)


class VerifyBody(Body):
    factor: StrictStr = Field(max_length=16)
    code: StrictStr | list[StrictStr] = Field(max_length=64)


class IdleTimeoutBody(Body):
    idle_timeout: StrictInt
