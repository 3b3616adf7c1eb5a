"""Users, roles and API tokens (admin), and who the caller is (``/me``)."""

from __future__ import annotations

from typing import Any

from fastapi import Body, Depends, FastAPI, Request
from fastapi.responses import Response

from .. import actions
from ..errors import UnknownIdError
from .auth import Principal, authenticate
from .bodies import body_object
from .errors import ApiError
from .jsonout import answer, dumps
from .resources import Limit, Offset, page
from .writes import JsonBody, begin, precheck, request_id, run, writable

Auth = Depends(authenticate)


def register(app: FastAPI) -> None:
    @app.get("/users", tags=["users"], summary="Users and their roles (admin)")
    def list_users(request: Request, limit: int = Limit, offset: int = Offset,
                   who: Principal = Auth) -> Response:
        from ..store.users import list_users as all_users

        st = writable(request, who)
        precheck(who, "add_user")
        users = all_users(st)  # paginated as every list (limit and offset were ignored)
        return answer(request, dumps(page(request, users, limit, offset,
                                          lambda u: u.as_dict())))

    @app.get("/users/{name}", tags=["users"], summary="One user and their role (admin)")
    def one_user(request: Request, name: str, who: Principal = Auth) -> Response:
        """What ``POST /users`` answers as ``Location`` (it named the list)."""
        from ..store.users import get_user

        st = writable(request, who)
        precheck(who, "add_user")
        user = get_user(st, name)
        if user is None:
            from .errors import not_found

            raise not_found("user", name, field="path.name")
        return answer(request, dumps(user.as_dict()))

    @app.get("/me", tags=["users"], summary="Who the caller is")
    def me(request: Request, who: Principal = Auth) -> Response:
        return answer(request, dumps({"ok": True, "name": who.name, "role": who.role,
                                      "units": list(who.units)}))

    @app.post("/users", status_code=201, tags=["users"],
              summary="Add a user (admin); answers their first API token, shown once")
    def add_user(request: Request, body: Any = JsonBody, who: Principal = Auth) -> Response:
        st, b, rid, why = begin(request, who, body, "add_user")
        errs = []
        for k, typ in (("name", str), ("role", str)):
            if not isinstance(b.get(k), typ):
                errs.append({"code": "E-MISSING" if k not in b else "E-TYPE",
                             "field": f"body.{k}", "message": "required text"})
        units = b.get("units", [])
        if not isinstance(units, list) or not all(isinstance(u, str) for u in units):
            errs.append({"code": "E-TYPE", "field": "body.units",
                         "message": "a list of business unit ids"})
        pw = b.get("password")
        if pw is not None and not isinstance(pw, str):
            errs.append({"code": "E-TYPE", "field": "body.password", "message": "text"})
        from ..store.users import ROLES

        if isinstance(b.get("role"), str) and b["role"] not in ROLES:
            errs.append({"code": "E-VALUE", "field": "body.role",
                         "message": f"unknown role '{b['role']}'",
                         "hint": f"roles: {', '.join(ROLES)}"})
        extra = sorted(set(b) - {"name", "role", "units", "password"})
        errs += [{"code": "E-UNKNOWN", "field": f"body.{k}", "message": f"unknown field '{k}'"}
                 for k in extra]
        if errs:
            raise ApiError(422, f"{errs[0]['field']}: {errs[0]['message']}",
                           code=errs[0]["code"], errors=errs)
        user, token = run("users", lambda: actions.add_user(
            st, who.user, b["name"], b["role"], units, pw, why=why, request_id=rid),
            "body.units")
        return answer(request, dumps({"ok": True, "user": user.as_dict(), "token": token}),
                      status=201, headers={"Location": f"/users/{user.name}"})

    @app.post("/users/{name}/tokens", status_code=201, tags=["users"],
              summary="A new API token for a user (admin), shown once")
    def add_token(request: Request, name: str, body: Any = Body(None),
                  who: Principal = Auth) -> Response:
        st = writable(request, who)
        precheck(who, "add_token")
        b = body_object(body or {})
        label = b.get("label")
        if label is not None and not isinstance(label, str):
            raise ApiError(422, "body.label: must be text", code="E-TYPE",
                           errors=[{"code": "E-TYPE", "field": "body.label",
                                    "message": "must be text"}])
        token = run("users", lambda: actions.add_token(st, who.user, name, label,
                                                       request_id=request_id(request)),
                    "path.name")
        return answer(request, dumps({"ok": True, "user": name, "token": token}), status=201)

    @app.patch("/users/{name}", tags=["users"],
               summary="Change a user's role, business units or password (admin)")
    def set_user(request: Request, name: str, body: Any = JsonBody,
                 who: Principal = Auth) -> Response:
        from ..store.users import ROLES

        st, b, rid, why = begin(request, who, body, "set_user")
        errs = [{"code": "E-UNKNOWN", "field": f"body.{k}", "message": f"unknown field '{k}'"}
                for k in sorted(set(b) - {"role", "units", "password"})]
        role, units, pw = b.get("role"), b.get("units"), b.get("password")
        if role is not None and (not isinstance(role, str) or role not in ROLES):
            errs.append({"code": "E-VALUE", "field": "body.role",
                         "message": f"unknown role {role!r}",
                         "hint": f"roles: {', '.join(ROLES)}"})
        if units is not None and (not isinstance(units, list) or
                                  not all(isinstance(u, str) for u in units)):
            errs.append({"code": "E-TYPE", "field": "body.units",
                         "message": "a list of business unit ids"})
        if pw is not None and not isinstance(pw, str):
            errs.append({"code": "E-TYPE", "field": "body.password", "message": "text"})
        if errs:
            raise ApiError(422, f"{errs[0]['field']}: {errs[0]['message']}",
                           code=errs[0]["code"], errors=errs)
        def change() -> Any:
            try:
                return actions.set_user(st, who.user, name, role=role, units=units,
                                        password=pw, why=why, request_id=rid)
            except UnknownIdError as exc:
                if exc.kind == "user":
                    raise
                raise ApiError(422, f"body.units: {exc.message}", code=exc.code, errors=[
                    {"code": exc.code, "field": "body.units", "message": exc.message,
                     **({"hint": exc.hint} if exc.hint else {})}]) from None

        user = run("users", change, "path.name")
        return answer(request, dumps({"ok": True, "user": user.as_dict()}))

    @app.delete("/users/{name}", tags=["users"], summary="Disable a user (admin)")
    def disable(request: Request, name: str, who: Principal = Auth) -> Response:
        st = writable(request, who)
        precheck(who, "disable_user")
        try:
            run("users", lambda: actions.disable_user(st, who.user, name,
                                                      request_id=request_id(request)),
                "path.name")
        except ApiError as exc:  # the last admin: refused as demoting them is (PATCH), 422
            if exc.status == 400 and exc.code == "E-INPUT":
                exc.status = 422
                exc.errors[0]["field"] = "path.name"
                exc.message = f"path.name: {exc.message}"
            raise
        return answer(request, dumps({"ok": True, "user": name, "disabled": True}))
