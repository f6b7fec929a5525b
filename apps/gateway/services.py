"""Gateway writes: model profiles, and ``complete`` — the one way a model is called.

``complete`` walks the profile's targets in the order its policy gives, skips targets whose
breaker is open, retries a failing target with jittered backoff, fails over to the next on
timeouts, dropped connections, 429 and 5xx, validates JSON output against the schema (one
repair try), and records the call (``LLMCall``) whatever happens.
"""

from __future__ import annotations

import functools
import json
import re
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from apps.accounts import permissions
from apps.accounts.services import grant_all
from apps.audit.services import audit_record
from apps.core.api import Conflict, DomainError
from apps.gateway import providers, routing, telemetry
from apps.gateway.models import CallStatus, LLMCall, ModelPrice, ModelProfile, RoutingPolicy

PROVIDERS = ("openai", "anthropic", "local")
PROFILE_NAME = re.compile(r"^[a-z0-9][a-z0-9._-]{0,99}$")


class GatewayError(DomainError):
    code = "model_error"


# --- Profiles ------------------------------------------------------------------------------


def targets_problems(targets: Any) -> list[dict[str, str]]:
    """Every problem of a target list, each naming its field (``targets[1].timeout``)."""
    if not isinstance(targets, list) or not targets:
        return [{"field": "targets", "message": "a non-empty list of targets"}]
    problems = []
    known = {"provider", "model", "base_url", "credential", "timeout", "weight", "retries", "rpm", "tpm"}
    for i, target in enumerate(targets):
        where = f"targets[{i}]"
        if not isinstance(target, dict):
            problems.append({"field": where, "message": "must be an object"})
            continue
        for key in sorted(set(target) - known):
            problems.append({"field": f"{where}.{key}", "message": f"unknown (known: {', '.join(sorted(known))})"})
        if target.get("provider") not in PROVIDERS:
            problems.append({"field": f"{where}.provider", "message": f"one of {', '.join(PROVIDERS)}"})
        if not isinstance(target.get("model"), str) or not target.get("model"):
            problems.append({"field": f"{where}.model", "message": "the model's name"})
        base_url = target.get("base_url", "")
        if base_url and (not isinstance(base_url, str) or not re.match(r"^https?://[^\s/]+", base_url)):
            problems.append({"field": f"{where}.base_url", "message": "an http(s) URL"})
        credential = target.get("credential")
        if credential is not None and not isinstance(credential, int | str):
            problems.append({"field": f"{where}.credential", "message": "a credential's id or name"})
        checks = {"timeout": (0.1, 600), "weight": (0, 1000), "retries": (0, 5), "rpm": (1, 1_000_000),
                  "tpm": (1, 1_000_000_000)}  # fmt: skip
        for key, (low, high) in checks.items():
            value = target.get(key)
            if value is not None and (isinstance(value, bool) or not isinstance(value, int | float)
                                      or not low <= value <= high):  # fmt: skip
                problems.append({"field": f"{where}.{key}", "message": f"a number from {low} to {high}"})
    return problems


def _check(*, name: str | None, policy: str, targets: Any, user) -> None:
    if name is not None and not PROFILE_NAME.match(name):
        raise DomainError("lower-case letters, digits, '.', '_' and '-'", field="name")
    if policy not in RoutingPolicy.values:
        raise DomainError(f"one of {', '.join(RoutingPolicy.values)}", field="policy")
    problems = targets_problems(targets)
    if problems:
        raise DomainError(problems[0]["message"], field=problems[0]["field"], extra={"errors": problems})
    from apps.vault.models import Credential

    for i, target in enumerate(targets):
        reference = target.get("credential")
        if reference in (None, ""):
            continue
        lookup = {"pk": int(reference)} if str(reference).isdigit() else {"name": str(reference)}
        if not permissions.restrict(Credential.objects.all(), user, "use").filter(**lookup).exists():
            raise DomainError(f"no credential {reference!r} that you may use", field=f"targets[{i}].credential")


@transaction.atomic
def profile_create(*, user, name: str, targets: list, policy: str = RoutingPolicy.FAILOVER,
                   description: str = "") -> ModelProfile:  # fmt: skip
    """A new profile; its creator holds every right on it. Audited."""
    _check(name=name, policy=policy, targets=targets, user=user)
    if ModelProfile.objects.filter(name=name).exists():
        raise Conflict(f"there is already a model profile named {name!r}", field="name")
    profile = ModelProfile.objects.create(name=name, description=description, policy=policy, targets=targets,
                                          created_by=user, updated_by=user)  # fmt: skip
    grant_all(obj=profile, user=user)
    audit_record(action="model_profile.create", user=user, obj=profile, summary={"revision": 1, "policy": policy})
    return profile


@transaction.atomic
def profile_save(*, profile: ModelProfile, user, base_revision: int, **changes) -> ModelProfile:
    """Save changes made from ``base_revision`` (a stale base is a 409). Audited."""
    locked = ModelProfile.objects.select_for_update().get(pk=profile.pk)
    if base_revision != locked.revision:
        raise Conflict(f"the profile was saved by someone else since revision {base_revision}; it is now at "
                       f"revision {locked.revision}", field="revision",
                       extra={"current_revision": locked.revision})  # fmt: skip
    fields = ("description", "policy", "targets")
    changed = [f for f in fields if f in changes and changes[f] != getattr(locked, f)]
    for field in fields:
        if field in changes:
            setattr(locked, field, changes[field])
    _check(name=None, policy=locked.policy, targets=locked.targets, user=user)
    locked.revision += 1
    locked.updated_by = user
    locked.save()
    audit_record(action="model_profile.update", user=user, obj=locked,
                 summary={"revision": locked.revision, "changed": changed})  # fmt: skip
    return locked


@transaction.atomic
def profile_delete(*, profile: ModelProfile, user) -> None:
    audit_record(action="model_profile.delete", user=user, obj=profile, summary={"revision": profile.revision})
    profile.delete()


# --- Calling a model ----------------------------------------------------------------------


@dataclass
class Answer:
    text: str
    value: Any  # the parsed JSON when a schema was asked for, else the text
    call: LLMCall
    logprobs: list[providers.TokenLogprob] | None = None  # of ``text``, when asked for and given


_price_cache: dict[str, Any] = {"at": 0.0, "prices": {}}
PRICE_CACHE_SECONDS = 30


def _prices() -> dict[tuple[str, str], ModelPrice]:
    """The price table, read at most every 30 s per process (it is edited rarely, called often)."""
    if time.monotonic() - _price_cache["at"] > PRICE_CACHE_SECONDS:
        _price_cache["prices"] = {(p.provider, p.model): p for p in ModelPrice.objects.all()}
        _price_cache["at"] = time.monotonic()
    return _price_cache["prices"]


def prices_changed() -> None:
    _price_cache["at"] = 0.0


def _cost(price: ModelPrice | None, input_tokens: int, output_tokens: int) -> Decimal | None:
    if price is None:
        return None
    million = Decimal(1_000_000)
    return (price.input_per_million * input_tokens + price.output_per_million * output_tokens) / million


def _base_url(target: dict[str, Any]) -> str:
    if target.get("base_url"):
        return target["base_url"]
    if target["provider"] == "local":
        return ""  # in-process (apps.gateway.local)
    return providers.DEFAULT_BASE_URLS[target["provider"]]


def _provider_call(target: dict[str, Any], url: str, headers: dict[str, str], request: providers.Request,
                   note=None) -> providers.Completion:  # fmt: skip
    """The local model in-process, or a provider over HTTP (a local server given a base_url
    speaks the OpenAI protocol).

    Log-probabilities are optional: a server that refuses the parameter (400) is asked once
    more without it, and not asked for them again for a day (``routing.refuse_logprobs``).
    """
    if target["provider"] == "local" and not url:
        from apps.gateway import local

        return local.chat(request.without_logprobs(), model=target["model"])
    provider = "openai" if target["provider"] == "local" else target["provider"]
    if request.logprobs is not None and (provider != "openai" or routing.logprobs_refused(target)):
        request = request.without_logprobs()

    def ask(asked: providers.Request) -> providers.Completion:
        return providers.call(provider=provider, base_url=url, model=target["model"], headers=headers,
                              request=asked, timeout=float(target.get("timeout", 30)))  # fmt: skip

    began = time.perf_counter()
    try:
        return ask(request)
    except providers.ProviderError as exc:
        if request.logprobs is None or exc.status != 400:
            raise
        refused = exc
    if note is not None:
        note({"status": "error", "error": f"{refused.message[:200]}; asked again without log-probabilities",
              "latency_ms": round((time.perf_counter() - began) * 1000, 1)}, refused.kind)  # fmt: skip
    completion = ask(request.without_logprobs())
    routing.refuse_logprobs(target)  # only once the answer without them confirms they were the problem
    return completion


def _headers(target: dict[str, Any], profile: ModelProfile, url: str, run_id: str, node_id: str) -> dict[str, str]:
    reference = target.get("credential")
    if reference in (None, ""):
        return {}
    from apps.vault.services import credential_use

    # The profile's credentials are used with the rights of whoever last saved its targets.
    use = credential_use(reference=reference, user_id=profile.updated_by_id, url=url, run_id=run_id,
                         node_id=node_id)  # fmt: skip
    if target["provider"] == "anthropic" and "Authorization" in use.headers:
        # An Anthropic key in a bearer credential: the Messages API wants it as x-api-key.
        return {"x-api-key": use.secret}
    return use.headers


def _parse_json(text: str) -> Any:
    cleaned = text.strip()
    fence = re.match(r"^```(?:json)?\s*(.*?)\s*```$", cleaned, re.DOTALL)
    return json.loads(fence.group(1) if fence else cleaned)


def _schema_problem(text: str, schema: dict) -> str | None:
    import jsonschema

    try:
        value = _parse_json(text)
    except ValueError as exc:
        return f"not JSON ({exc})"
    try:
        jsonschema.validate(value, schema)
    except jsonschema.ValidationError as exc:
        where = "/".join(str(p) for p in exc.absolute_path) or "the answer"
        return f"{where}: {exc.message}"
    return None


def profile_usable(*, name: str, user_id: int | None) -> ModelProfile:
    """The profile, if ``user_id`` (a workflow's publisher, or the caller) may use it."""
    from django.contrib.auth import get_user_model

    user = get_user_model().objects.filter(pk=user_id, is_active=True).first() if user_id else None
    profile = permissions.restrict(ModelProfile.objects.all(), user, "use").filter(name=name).first()
    if profile is None:
        raise GatewayError(f"no model profile {name!r} that this workflow's publisher may use", field="model")
    return profile


def complete(*, profile: ModelProfile, request: providers.Request, run_id: str | None = None, node_id: str = "",
             user_id: int | None = None, workflow_id: int | None = None, prompt: tuple[str, int] | None = None,
             ) -> Answer:  # fmt: skip
    """Ask the profile's targets until one answers; the call is recorded whatever the outcome
    (and is a span when tracing is configured)."""
    prices = _prices()
    order = routing.order(profile.policy, profile.targets, {k: v.input_per_million for k, v in prices.items()})
    first_model = profile.targets[order[0]].get("model", "") if order else ""
    with telemetry.call_span(first_model):
        return _complete(profile, request, order, prices, run_id, node_id, user_id, workflow_id, prompt)


def _complete(profile, request, order, prices, run_id, node_id, user_id, workflow_id, prompt) -> Answer:
    tries: list[dict[str, Any]] = []
    passed_over = 0
    started = time.perf_counter()
    last_error, last_kind = "no target was tried", "no_target"
    for position, index in enumerate(order):
        target = profile.targets[index]

        def note(entry: dict[str, Any], kind: str = "", index=index, target=target) -> None:
            entry = {"target": index, "provider": target["provider"], "model": target["model"], **entry}
            tries.append(entry)
            telemetry.tried(entry, kind=kind)

        breaker = routing.Breaker(target)
        if not breaker.allows():
            note({"status": "skipped", "error": "circuit breaker open"}, "circuit_open")
            passed_over = position + 1
            last_error, last_kind = "circuit breaker open", "circuit_open"
            continue
        url = _base_url(target)
        for attempt in range(int(target.get("retries", 1)) + 1):
            try:
                routing.acquire(target, max_wait=float(target.get("timeout", 30)))
            except routing.RateLimited as exc:
                note({"status": "rate_limited", "error": str(exc)}, "rate_limited")
                last_error, last_kind = str(exc), "rate_limited"
                break
            began = time.perf_counter()
            try:
                headers = _headers(target, profile, url, run_id or "", node_id)
                completion = _provider_call(target, url, headers, request, note)
            except DomainError as exc:  # the credential: this target cannot be used
                note({"status": "error", "error": exc.message}, "credential")
                last_error, last_kind = exc.message, "credential"
                break
            except providers.ProviderError as exc:
                latency = (time.perf_counter() - began) * 1000
                note({"status": "error", "error": exc.message[:300], "latency_ms": round(latency, 1)}, exc.kind)
                last_error, last_kind = exc.message, exc.kind
                if not exc.retryable:
                    return _failed(profile, tries, started, last_error, run_id, node_id, user_id, workflow_id, prompt,
                                   request, passed_over, last_kind)  # fmt: skip
                breaker.failed()
                if attempt < int(target.get("retries", 1)) and routing.Breaker(target).allows():
                    time.sleep(routing.backoff(attempt + 1))
                    continue
                break
            latency = (time.perf_counter() - began) * 1000
            breaker.succeeded()
            if profile.policy == RoutingPolicy.LATENCY:
                routing.observe_latency(target, latency)
            routing.spend_tokens(target, (completion.input_tokens or 0) + (completion.output_tokens or 0))
            note({"status": "ok", "latency_ms": round(latency, 1)})
            return _answered(profile, index, target, completion, request, tries, started, passed_over, prices,
                             run_id, node_id, user_id, workflow_id, prompt, headers, url)  # fmt: skip
        passed_over = position + 1
    return _failed(profile, tries, started, last_error, run_id, node_id, user_id, workflow_id, prompt, request,
                   passed_over, last_kind)  # fmt: skip


def _record(**fields: Any) -> LLMCall:
    """Insert the call's record, in one round trip.

    On PostgreSQL, outside a caller's transaction, the INSERT is a transaction of its own whose
    commit does not wait for the WAL flush: its RETURNING clause sets ``synchronous_commit`` off
    for that one transaction (``set_config(…, true)``), so there are no BEGIN, SET and COMMIT
    round trips either. That wait, those round trips and the ORM's building of the same INSERT
    each time were most of the latency the gateway added. Nothing else is given up in practice:
    the record is committed and visible at once, and the step that uses it commits synchronously
    afterwards, which flushes the WAL up to and including this record; only a database crash in
    between could lose it, and then it also loses that step, which runs again."""
    db = connections[DEFAULT_DB_ALIAS]
    if db.vendor != "postgresql" or db.in_atomic_block:
        return LLMCall.objects.create(**fields)
    call = LLMCall(**fields)
    columns, sql = _record_statement()
    params = [field.get_db_prep_save(field.pre_save(call, True), db) for field in columns]
    with db.cursor() as cursor:
        cursor.execute(sql, params)
        call.pk = cursor.fetchone()[0]
    call._state.adding, call._state.db = False, db.alias
    return call


@functools.cache
def _record_statement() -> tuple[list, str]:
    """The fields ``_record`` writes and its PostgreSQL INSERT, built once per process."""
    meta, quote = LLMCall._meta, connections[DEFAULT_DB_ALIAS].ops.quote_name
    columns = [field for field in meta.concrete_fields if field is not meta.auto_field]
    names, slots = ", ".join(quote(f.column) for f in columns), ", ".join(["%s"] * len(columns))
    # Names from the model's own metadata; every value is bound as a parameter.
    sql = f"INSERT INTO {quote(meta.db_table)} ({names}) VALUES ({slots}) RETURNING {quote(meta.pk.column)}, "  # noqa: S608
    sql += "set_config('synchronous_commit', 'off', true)"
    return columns, sql


def _answered(profile, index, target, completion, request, tries, started, passed_over, prices, run_id, node_id,
              user_id, workflow_id, prompt, headers, url) -> Answer:  # fmt: skip
    estimated = completion.input_tokens is None or completion.output_tokens is None
    input_tokens = completion.input_tokens
    if input_tokens is None:
        input_tokens = providers.estimate_tokens(request.system + "".join(m["content"] for m in request.messages))
    output_tokens = completion.output_tokens
    if output_tokens is None:
        output_tokens = providers.estimate_tokens(completion.text)
    text, value, error, logprobs = completion.text, completion.text, "", completion.logprobs
    if request.json_schema is not None:
        problem = _schema_problem(text, request.json_schema)
        if problem is not None:
            # One repair try on the same target: the answer and what was wrong with it.
            repair = providers.Request(
                messages=[*request.messages, {"role": "assistant", "content": text},
                          {"role": "user", "content": f"That answer is invalid: {problem}. Answer again with only "
                                                      "the JSON value, matching the schema."}],
                system=request.system, temperature=request.temperature, max_tokens=request.max_tokens,
                json_schema=request.json_schema, logprobs=request.logprobs,
            )  # fmt: skip
            try:
                again = _provider_call(target, url, headers, repair)
                entry = {"target": index, "provider": target["provider"], "model": target["model"], "status": "repair"}
                tries.append(entry)
                telemetry.tried(entry)
                input_tokens += again.input_tokens or providers.estimate_tokens(str(repair.messages))
                output_tokens += again.output_tokens or providers.estimate_tokens(again.text)
                text, logprobs = again.text, again.logprobs
                problem = _schema_problem(text, request.json_schema)
            except providers.ProviderError as exc:
                problem = f"the repair call failed: {exc.message}"
        if problem is None:
            value = _parse_json(text)
        else:
            error = f"output: the model's answer does not match the schema ({problem})"
    call = _record(
        run_id=run_id, node_id=node_id, workflow_id=workflow_id, user_id=user_id, profile=profile.name,
        prompt=prompt[0] if prompt else "", prompt_version=prompt[1] if prompt else None,
        provider=target["provider"], model=target["model"], target=index, attempts=len(tries),
        failovers=passed_over, tries=tries, latency_ms=round((time.perf_counter() - started) * 1000, 2),
        ttft_ms=completion.ttft_ms, input_tokens=input_tokens, output_tokens=output_tokens,
        tokens_estimated=estimated, cost=_cost(prices.get((target["provider"], target["model"])), input_tokens,
                                                output_tokens),
        status=CallStatus.ERROR if error else CallStatus.OK, error=error, streamed=request.stream,
    )  # fmt: skip
    telemetry.finish(call=call, request=request, target=target, completion=completion,
                     error_type="invalid_output" if error else "")  # fmt: skip
    if error:
        raise GatewayError(error, field="output", extra={"call": call.pk})
    return Answer(text=text, value=value, call=call, logprobs=logprobs)


def _failed(profile, tries, started, error, run_id, node_id, user_id, workflow_id, prompt, request,
            passed_over, kind) -> Answer:  # fmt: skip
    call = _record(
        run_id=run_id, node_id=node_id, workflow_id=workflow_id, user_id=user_id, profile=profile.name,
        prompt=prompt[0] if prompt else "", prompt_version=prompt[1] if prompt else None,
        # Moves from one target to the next: one fewer than the targets passed over to the end.
        attempts=len([t for t in tries if t["status"] != "skipped"]), failovers=max(passed_over - 1, 0), tries=tries,
        latency_ms=round((time.perf_counter() - started) * 1000, 2), status=CallStatus.ERROR,
        error=error[:2000], streamed=request.stream,
    )  # fmt: skip
    telemetry.finish(call=call, request=request, error_type=kind)
    raise GatewayError(f"every target of {profile.name!r} failed; last: {error}", field="model",
                       extra={"call": call.pk, "retryable": False})  # fmt: skip


# --- Embeddings (document collections) -------------------------------------------------------


@dataclass
class Embedded:
    vectors: list[list[float]]
    call: LLMCall


EMBED_BATCH = 32


def _embed_try(target: dict[str, Any], profile: ModelProfile, url: str, texts: list[str], run_id: str,
               node_id: str) -> tuple[list[list[float]], int, bool, str]:  # fmt: skip
    """(vectors, input tokens, estimated, model) from one target, batch by batch."""
    headers = _headers(target, profile, url, run_id, node_id)
    vectors: list[list[float]] = []
    tokens, estimated, model = 0, False, target["model"]
    for start in range(0, len(texts), EMBED_BATCH):
        batch = texts[start:start + EMBED_BATCH]
        answer = providers.embeddings(base_url=url, model=target["model"], headers=headers, texts=batch,
                                      timeout=float(target.get("timeout", 30)))  # fmt: skip
        vectors += answer.vectors
        if answer.input_tokens is None:
            estimated = True
            tokens += sum(providers.estimate_tokens(text) for text in batch)
        else:
            tokens += answer.input_tokens
    if len({len(vector) for vector in vectors}) > 1:
        raise providers.ProviderError("the batches' embeddings differ in size", retryable=False)
    return vectors, tokens, estimated, model


def embed(*, profile: ModelProfile, texts: list[str], run_id: str | None = None, node_id: str = "",
          user_id: int | None = None, workflow_id: int | None = None) -> Embedded:  # fmt: skip
    """One vector per text from the profile's first target that answers (OpenAI-compatible
    ``/embeddings``), with the order, breakers, retries and credentials of ``complete``; a target
    without an embeddings API (Anthropic, the in-process local model) is passed over. The call
    is recorded (input tokens, cost) whatever the outcome."""
    prices = _prices()
    order = routing.order(profile.policy, profile.targets, {k: v.input_per_million for k, v in prices.items()})
    tries: list[dict[str, Any]] = []
    passed_over = 0
    started = time.perf_counter()
    last_error = "no target was tried"
    for position, index in enumerate(order):
        target = profile.targets[index]
        url = _base_url(target)
        about = {"target": index, "provider": target["provider"], "model": target["model"]}
        if target["provider"] == "anthropic" or not url:
            last_error = f"{target['provider']} target {index + 1} has no embeddings API (an OpenAI-compatible one has)"
            tries.append({**about, "status": "skipped", "error": last_error})
            passed_over = position + 1
            continue
        breaker = routing.Breaker(target)
        if not breaker.allows():
            tries.append({**about, "status": "skipped", "error": "circuit breaker open"})
            passed_over, last_error = position + 1, "circuit breaker open"
            continue
        for attempt in range(int(target.get("retries", 1)) + 1):
            began = time.perf_counter()
            try:
                routing.acquire(target, max_wait=float(target.get("timeout", 30)))
                vectors, tokens, estimated, model = _embed_try(target, profile, url, texts, run_id or "", node_id)
            except routing.RateLimited as exc:
                tries.append({**about, "status": "rate_limited", "error": str(exc)})
                last_error = str(exc)
                break
            except DomainError as exc:  # the credential: this target cannot be used
                tries.append({**about, "status": "error", "error": exc.message})
                last_error = exc.message
                break
            except providers.ProviderError as exc:
                tries.append({**about, "status": "error", "error": exc.message[:300],
                              "latency_ms": round((time.perf_counter() - began) * 1000, 1)})  # fmt: skip
                last_error = exc.message
                if not exc.retryable:
                    return _embed_failed(profile, tries, started, last_error, run_id, node_id, user_id, workflow_id,
                                         passed_over)  # fmt: skip
                breaker.failed()
                if attempt < int(target.get("retries", 1)) and routing.Breaker(target).allows():
                    time.sleep(routing.backoff(attempt + 1))
                    continue
                break
            breaker.succeeded()
            routing.spend_tokens(target, tokens)
            tries.append({**about, "status": "ok", "latency_ms": round((time.perf_counter() - began) * 1000, 1)})
            call = LLMCall.objects.create(
                run_id=run_id, node_id=node_id, workflow_id=workflow_id, user_id=user_id, profile=profile.name,
                provider=target["provider"], model=model, target=index, attempts=len(tries), failovers=passed_over,
                tries=tries, latency_ms=round((time.perf_counter() - started) * 1000, 2), input_tokens=tokens,
                output_tokens=0, tokens_estimated=estimated,
                cost=_cost(prices.get((target["provider"], target["model"])), tokens, 0), status=CallStatus.OK,
            )  # fmt: skip
            return Embedded(vectors=vectors, call=call)
        passed_over = position + 1
    return _embed_failed(profile, tries, started, last_error, run_id, node_id, user_id, workflow_id, passed_over)


def _embed_failed(profile, tries, started, error, run_id, node_id, user_id, workflow_id, passed_over) -> Embedded:
    call = LLMCall.objects.create(
        run_id=run_id, node_id=node_id, workflow_id=workflow_id, user_id=user_id, profile=profile.name,
        attempts=len([t for t in tries if t["status"] != "skipped"]), failovers=max(passed_over - 1, 0), tries=tries,
        latency_ms=round((time.perf_counter() - started) * 1000, 2), status=CallStatus.ERROR, error=error[:2000],
    )  # fmt: skip
    raise GatewayError(f"no target of {profile.name!r} gave embeddings; last: {error}", field="embedding",
                       extra={"call": call.pk, "retryable": False})  # fmt: skip
