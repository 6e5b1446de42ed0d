"""Griffe extension: the API reference shows the public API, as users reach it.

Registered in mkdocs.yml (``extensions: [docs/griffe_ext.py:PublicReference]``). When griffe has
loaded ``togai_customers`` it:

1. turns every *operation descriptor* (see :func:`operation_builder`) on a class into a method
   with the signature and docstring of the call (``async`` on an async client,
   ``RawResponse[...]`` on ``with_raw_response``);
2. documents ``client.with_raw_response`` under that name: its methods are
   ``togai_customers.TogaiCustomers.with_raw_response.create_customer`` and so on;
3. folds the members of private base classes (``_BasePage``, ``BaseClient``, ``Model``) into the
   public classes and drops those bases;
4. points every annotation, base and cross-reference at the public name
   (``togai_customers.Customer``, not ``togai_customers._models.Customer``); private objects
   without a public name are shown as plain text;
5. rewrites the Sphinx roles of docstrings (``:class:`X```, ``:meth:`x```, ``:func:``,
   ``:data:``, ...) into autorefs links, resolved like Python names from the docstring's scope.

Nothing here knows the descriptor classes' names; the contract is in :func:`operation_builder`.
"""

from __future__ import annotations

import ast
import contextlib
import dataclasses
import importlib
import inspect
import logging
import re
import types
import typing
from collections.abc import Iterator
from typing import Any

import griffe

logger = logging.getLogger(__name__)

#: The async client and its ``with_raw_response`` return awaitables of these.
_AWAITABLES = {"typing.Awaitable", "collections.abc.Awaitable", "typing.Coroutine",
               "collections.abc.Coroutine"}  # fmt: skip
_ROLE = re.compile(r":(?:py:)?(?P<role>[a-z]+):`(?P<body>[^`]+)`")
_CALLABLE_ROLES = {"meth", "func"}


def operation_builder(value: object, owner: type) -> Any:
    """The builder function behind an operation descriptor, or None if ``value`` is none.

    The contract: a class attribute that is a descriptor (its type has ``__get__``; functions,
    properties, class and static methods are not operations) and either

    * has a callable ``build`` attribute (the builder function of ``togai_customers._calls``), or
    * carries ``__togai_operation__ = True``, or binds to a method wrapping the builder
      (``functools.wraps(build)``, i.e. ``__wrapped__``), as the descriptors of 0.x do.

    Its docstring is its ``__doc__`` (else the builder's); its parameters are those of the method
    it binds to an instance (``__signature__``), else the builder's. Its return type: on
    ``with_raw_response``, ``RawResponse[T]`` for the builder's ``Call[T]``; elsewhere the bound
    method's return annotation if it is a real one (a class, or a name the client's module
    imports; ``Awaitable[X]`` documents an ``async`` method returning ``X``, a plain type a
    method returning it, as the async ``list_customers`` returns an ``AsyncPaginator``), else
    ``T``, documented ``async`` on an async client (one with ``__aenter__``, or its
    ``with_raw_response``) and whenever the bound method is a coroutine function.
    """
    if isinstance(
        value, (type, types.FunctionType, property, classmethod, staticmethod)
    ):
        return None
    if not hasattr(type(value), "__get__"):
        return None
    build = getattr(value, "build", None)
    if callable(build):
        return build
    try:
        bound = value.__get__(object.__new__(owner), owner)  # type: ignore[attr-defined]
    except Exception:  # not bindable without a real instance: not ours
        return None
    wrapped = getattr(bound, "__wrapped__", None)
    if callable(wrapped) and getattr(wrapped, "__module__", "").startswith(
        owner.__module__.split(".")[0]
    ):
        return wrapped
    if getattr(value, "__togai_operation__", False) is True:
        return bound
    return None


def _is_private(path: str) -> bool:
    return any(
        part.startswith("_")
        and not (part.startswith("__") and part.endswith("__"))
        for part in path.split(".")[1:]
    )


class PublicReference(griffe.Extension):
    """See the module docstring."""

    def __init__(self, package: str = "togai_customers") -> None:
        super().__init__()
        self.package = package

    def on_package(
        self,
        *,
        pkg: griffe.Module,
        loader: griffe.GriffeLoader,
        **kwargs: Any,
    ) -> None:
        if pkg.name == self.package:
            _Rewriter(pkg, loader).run()


class _Rewriter:
    def __init__(
        self, pkg: griffe.Module, loader: griffe.GriffeLoader
    ) -> None:
        self.pkg = pkg
        self.collection = loader.modules_collection
        self.runtime = importlib.import_module(pkg.path)
        #: canonical (private) path -> public path
        self.public: dict[str, str] = {}

    def run(self) -> None:
        for name in getattr(self.runtime, "__all__", ()):
            member = self.pkg.members.get(name)
            if isinstance(member, griffe.Alias):
                with contextlib.suppress(
                    griffe.AliasResolutionError, griffe.CyclicAliasError
                ):
                    self.public.setdefault(
                        member.final_target.path, f"{self.pkg.path}.{name}"
                    )
        classes = [
            obj for obj in self._objects() if isinstance(obj, griffe.Class)
        ]
        raw_of = self._raw_classes(classes)
        for cls in classes:
            self._add_operations(cls, raw_of)
        for cls, client in raw_of.items():
            self._nest_raw(cls, client)
        for cls in classes:
            if cls.path in self.public:
                self._fold_private_bases(cls)
        objects = list(self._objects())
        for obj in objects:
            self._expand_private_aliases(obj)
            for expr in _expressions(obj):
                self._publicize_expr(expr)
        for obj in objects:
            if obj.docstring is not None:
                obj.docstring.value = self._rewrite_roles(
                    obj.docstring.value, obj
                )

    # -- walking ------------------------------------------------------------------------------

    def _objects(
        self, obj: griffe.Object | None = None
    ) -> Iterator[griffe.Object]:
        """Every object defined in the package (no aliases), parents first."""
        obj = obj or self.pkg
        yield obj
        for member in list(obj.members.values()):
            if not member.is_alias:
                yield from self._objects(member)  # type: ignore[arg-type]

    def _runtime(self, obj: griffe.Object) -> Any:
        try:
            value: Any = importlib.import_module(obj.module.path)
        except ImportError:
            return None
        if obj is not obj.module:
            for part in obj.path[len(obj.module.path) + 1 :].split("."):
                value = getattr(value, part, None)
        return value

    def _lookup(self, path: str) -> griffe.Object | griffe.Alias | None:
        try:
            return self.collection[path]  # type: ignore[no-any-return]
        except (
            KeyError,
            ValueError,
            griffe.AliasResolutionError,
            griffe.CyclicAliasError,
        ):
            return None

    def _canonical(self, path: str) -> str:
        obj = self._lookup(path)
        if isinstance(obj, griffe.Alias):
            with contextlib.suppress(
                griffe.AliasResolutionError, griffe.CyclicAliasError
            ):
                return obj.final_target.path
        return obj.path if obj is not None else path

    def to_public(self, path: str) -> str | None:
        """The public path of a canonical path, or None if it has none."""
        path = self._canonical(path)
        if not path.startswith(self.pkg.path + ".") and path != self.pkg.path:
            return path  # not ours: leave it alone
        head, rest = path, ""
        while head:
            if head in self.public:
                path = self.public[head] + rest
                break
            head, dot, tail = head.rpartition(".")
            rest = dot + tail + rest
        return None if _is_private(path) else path

    # -- operations ---------------------------------------------------------------------------

    def _raw_classes(
        self, classes: list[griffe.Class]
    ) -> dict[griffe.Class, griffe.Class]:
        """The class behind each client's ``with_raw_response``, mapped to that client."""
        found: dict[griffe.Class, griffe.Class] = {}
        for cls in classes:
            runtime = self._runtime(cls)
            prop = inspect.getattr_static(runtime, "with_raw_response", None)
            if not isinstance(prop, property) or prop.fget is None:
                continue
            try:
                raw = typing.get_type_hints(prop.fget).get("return")
            except Exception as exc:  # an unresolvable hint: no raw class
                logger.debug("%s.with_raw_response: %s", cls.path, exc)
                continue
            target = (
                self._lookup(f"{raw.__module__}.{raw.__qualname__}")
                if raw
                else None
            )
            if isinstance(target, griffe.Class):
                found[target] = cls
        return found

    def _add_operations(
        self, cls: griffe.Class, raw_of: dict[griffe.Class, griffe.Class]
    ) -> None:
        runtime = self._runtime(cls)
        if not isinstance(runtime, type):
            return
        names: dict[str, None] = {}
        for klass in reversed(runtime.__mro__):
            names.update(dict.fromkeys(vars(klass)))
        ops = {}
        for name in names:
            if not name.startswith("_"):
                value = inspect.getattr_static(runtime, name)
                build = operation_builder(value, runtime)
                if build is not None:
                    ops[name] = (value, build)
        if not ops:
            return
        raw = cls in raw_of
        client = raw_of.get(cls, cls)
        is_async = hasattr(self._runtime(client), "__aenter__")
        made = {
            name: self._operation(
                cls, runtime, name, op, build, raw=raw, is_async=is_async
            )
            for name, (op, build) in ops.items()
        }
        rest = {
            name: m for name, m in cls.members.items() if name not in made
        }
        cls.members.clear()
        for name, member in {**made, **rest}.items():
            cls.set_member(name, member)

    def _operation(
        self,
        cls: griffe.Class,
        runtime: type,
        name: str,
        op: Any,
        build: Any,
        *,
        raw: bool,
        is_async: bool,
    ) -> griffe.Function:
        builder = (
            self._lookup(f"{build.__module__}.{build.__qualname__}")
            if build
            else None
        )
        builder = builder if isinstance(builder, griffe.Function) else None
        scope = cls.module
        bound: Any = None
        try:
            bound = op.__get__(object.__new__(runtime), runtime)
            signature = inspect.signature(bound)
        except Exception:  # fall back to the builder's signature
            signature = (
                inspect.signature(build) if build else inspect.Signature()
            )

        parameters = [
            griffe.Parameter(
                "self", kind=griffe.ParameterKind.positional_or_keyword
            )
        ]
        for param in signature.parameters.values():
            static = (
                builder.parameters[param.name]
                if builder and param.name in builder.parameters
                else None
            )
            if static is not None:
                annotation, default = static.annotation, static.default
            else:
                annotation = _runtime_expr(param.annotation, scope)
                default = (
                    None
                    if param.default is param.empty
                    else repr(param.default)
                )
            kind = griffe.ParameterKind(param.kind.description)
            parameters.append(
                griffe.Parameter(
                    param.name,
                    annotation=annotation,
                    kind=kind,
                    default=default,
                )
            )

        result = None if builder is None else _call_result(builder.returns)
        given = _runtime_expr(signature.return_annotation, scope)
        returns: str | griffe.Expr | None
        if raw:  # by definition: the RawResponse of the builder's result
            returns = griffe.ExprSubscript(
                griffe.ExprName("RawResponse", parent=self.pkg),
                result or "Any",
            )
        elif (
            given is None
        ):  # no real annotation: the builder's result (awaited when async)
            returns = result
        elif (
            isinstance(given, griffe.ExprSubscript)
            and _canonical_of(given) in _AWAITABLES
        ):
            returns, is_async = _last(given.slice), True
        else:  # a plain type is returned as is, even by the async client (AsyncPaginator)
            returns, is_async = given, False
        if inspect.iscoroutinefunction(bound):
            is_async = True

        doc = getattr(op, "__doc__", None) or (
            build.__doc__ if build else None
        )
        docstring = None
        if doc:
            template = (
                builder.docstring if builder and builder.docstring else None
            )
            docstring = griffe.Docstring(
                inspect.cleandoc(doc),
                parser=template.parser if template else None,
                parser_options=template.parser_options if template else None,
            )
        previous = cls.members.get(name)
        func = griffe.Function(
            name,
            lineno=previous.lineno if previous is not None else cls.lineno,
            endlineno=previous.endlineno
            if previous is not None
            else cls.lineno,
            parameters=griffe.Parameters(*parameters),
            returns=returns,
            docstring=docstring,
            parent=cls,
        )
        if docstring is not None:
            docstring.parent = func
        if is_async:
            func.labels.add("async")
        return func

    def _nest_raw(self, raw: griffe.Class, client: griffe.Class) -> None:
        """``client.with_raw_response`` documented as the class it returns, under that name."""
        prop = client.members.get("with_raw_response")
        nested = griffe.Alias(
            "with_raw_response",
            raw,
            lineno=prop.lineno if prop is not None else raw.lineno,
            endlineno=prop.endlineno if prop is not None else raw.endlineno,
            parent=client,
        )
        client.set_member("with_raw_response", nested)
        raw.labels.add(
            "property"
        )  # reached as `client.with_raw_response`, not constructed
        if client.path in self.public:
            self.public.setdefault(
                raw.path, f"{self.public[client.path]}.with_raw_response"
            )

    def _fold_private_bases(self, cls: griffe.Class) -> None:
        """Members of private base classes become the class's own; the bases go."""
        kept: list[str | griffe.Expr] = []
        for base in cls.bases:
            name = (
                base.left if isinstance(base, griffe.ExprSubscript) else base
            )
            target = (
                self._lookup(_canonical_of(name))
                if isinstance(name, griffe.Expr)
                else None
            )
            if isinstance(target, griffe.Alias):
                target = target.final_target
            if (
                not isinstance(target, griffe.Class)
                or self.to_public(target.path) is not None
            ):
                kept.append(base)
                continue
            for member_name, member in target.all_members.items():
                if (
                    member_name not in cls.members
                    and not member_name.startswith("_")
                ):
                    cls.set_member(
                        member_name,
                        griffe.Alias(member_name, member, parent=cls),
                    )
        cls.bases = kept

    # -- public paths ---------------------------------------------------------------------------

    def _expand_private_aliases(self, obj: griffe.Object) -> None:
        """``AddressParam`` (a private ``TypeAlias``) is shown as what it stands for."""
        if isinstance(obj, griffe.Function):
            obj.returns = self._expand(obj.returns)
            for param in obj.parameters:
                param.annotation = self._expand(param.annotation)
        elif isinstance(obj, griffe.Attribute):
            obj.annotation = self._expand(obj.annotation)

    def _expand(self, expr: Any, depth: int = 0) -> Any:
        if not isinstance(expr, griffe.Expr) or depth > 10:
            return expr
        if isinstance(expr, griffe.ExprName) and isinstance(
            expr.parent, griffe.Object
        ):
            path = expr.reference_path
            target = (
                self._lookup(path) if path and _is_private(path) else None
            )
            if isinstance(target, griffe.Alias):
                target = target.final_target
            annotation = getattr(target, "annotation", None)
            if (
                isinstance(target, griffe.Attribute)
                and isinstance(annotation, griffe.Expr)
                and annotation.canonical_name == "TypeAlias"
                and isinstance(target.value, griffe.Expr)
            ):
                return self._expand(target.value, depth + 1)
            return expr
        changes = {}
        for field in dataclasses.fields(expr):
            value = getattr(expr, field.name)
            if isinstance(value, griffe.Expr):
                changes[field.name] = self._expand(value, depth + 1)
            elif isinstance(value, list):
                changes[field.name] = [
                    self._expand(v, depth + 1) for v in value
                ]
        return dataclasses.replace(expr, **changes) if changes else expr

    def _publicize_expr(self, expr: griffe.Expr) -> None:
        for name in expr.iterate(flat=True):
            # Only names resolved in an object's scope (not `x.y` chains, not explicit paths).
            if not isinstance(name, griffe.ExprName) or not isinstance(
                name.parent, griffe.Object
            ):
                continue
            if name.is_type_parameter:
                continue
            path = name.reference_path
            if path is None or not path.startswith(self.pkg.path + "."):
                continue
            public = self.to_public(path)
            if public is not None and public.rpartition(".")[2] == name.name:
                name.parent, name.member = public.rpartition(".")[0], None
            else:
                name.parent, name.member = (
                    None,
                    None,
                )  # no public name: plain text

    def _rewrite_roles(self, text: str, obj: griffe.Object) -> str:
        def link(match: re.Match[str]) -> str:
            role, body = match["role"], match["body"].strip()
            title, _, target = body.partition("<")
            if target:  # :class:`title <target>`
                target, label = target.rstrip(">").strip(), title.strip()
            else:
                short = body.startswith("~")
                target = body.lstrip("~.")
                label = target.rpartition(".")[2] if short else target
                if role in _CALLABLE_ROLES:
                    label += "()"
            identifier = self._resolve_reference(target, obj)
            if identifier is None:
                logger.debug(
                    "%s: no public target for %s", obj.path, match[0]
                )
                return f"`{label}`"
            return f"[`{label}`][{identifier}]"

        return _ROLE.sub(link, text)

    def _resolve_reference(
        self, target: str, obj: griffe.Object
    ) -> str | None:
        scopes: list[griffe.Object] = []
        scope: griffe.Object | None = obj
        while scope is not None:
            if not isinstance(scope, (griffe.Function, griffe.Attribute)):
                scopes.append(scope)
            scope = scope.parent  # type: ignore[assignment]
        for candidate in [
            *(f"{s.path}.{target}" for s in scopes),
            f"{self.pkg.path}.{target}",
            target,
        ]:
            if self._lookup(candidate) is not None:
                return self.to_public(candidate)
        return None


def _expressions(obj: griffe.Object) -> Iterator[griffe.Expr]:
    values: list[Any] = []
    if isinstance(obj, griffe.Function):
        values.append(obj.returns)
        for param in obj.parameters:
            values += [param.annotation, param.default]
    elif isinstance(obj, griffe.Attribute):
        values += [obj.annotation, obj.value]
    elif isinstance(obj, griffe.Class):
        values += obj.bases
    yield from (value for value in values if isinstance(value, griffe.Expr))


def _canonical_of(expr: griffe.Expr | str) -> str:
    if isinstance(expr, griffe.ExprSubscript):
        return _canonical_of(expr.left)
    return expr.canonical_path if isinstance(expr, griffe.Expr) else expr


def _last(expr: griffe.Expr | str) -> griffe.Expr | str:
    if isinstance(expr, griffe.ExprTuple):
        return expr.elements[-1]
    return expr


def _call_result(
    returns: str | griffe.Expr | None,
) -> str | griffe.Expr | None:
    """``T`` of a builder's ``Call[T]``."""
    if isinstance(returns, griffe.ExprSubscript):
        return _last(returns.slice)
    return None


def _runtime_expr(
    annotation: Any, scope: griffe.Module
) -> griffe.Expr | None:
    """A runtime annotation as a griffe expression, or None when it names nothing real."""
    if annotation is inspect.Signature.empty or annotation is None:
        return None
    source = (
        annotation
        if isinstance(annotation, str)
        else _annotation_source(annotation)
    )
    if source is None:
        return None
    try:
        node = ast.parse(source, mode="eval").body
        expr = griffe.get_annotation(node, parent=scope)
    except Exception:  # e.g. "awaitable result": a note, not an annotation
        return None
    if not isinstance(expr, griffe.Expr):
        return None
    for name in expr.iterate(flat=True):
        if isinstance(name, griffe.ExprName) and name.reference_path is None:
            return None  # e.g. "result": not a type
    return expr


def _annotation_source(annotation: Any) -> str | None:
    """Source text of a runtime annotation, classes by name (resolved in the client's module)."""
    if annotation is type(None):
        return "None"
    if (
        isinstance(annotation, types.UnionType)
        or typing.get_origin(annotation) is typing.Union
    ):
        parts = [
            _annotation_source(arg) for arg in typing.get_args(annotation)
        ]
        return None if None in parts else " | ".join(parts)  # type: ignore[arg-type]
    origin = typing.get_origin(annotation)
    if origin is not None:
        args = [
            _annotation_source(arg) for arg in typing.get_args(annotation)
        ]
        head = _annotation_source(origin)
        return (
            None
            if head is None or None in args
            else f"{head}[{', '.join(args)}]"
        )  # type: ignore[arg-type]
    if isinstance(annotation, type):
        return annotation.__qualname__
    return None
