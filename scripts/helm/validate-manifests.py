"""Validates rendered Kubernetes manifests against the API's schemas, strictly (unknown fields are errors, as with
`kubectl apply`'s server-side field validation).

Built-in kinds use the JSON schemas packaged by kubernetes-validate (PyPI); custom resources use the
openAPIV3Schema of their CustomResourceDefinition files (--crd), converted to JSON Schema here. A kind that
neither knows is an error, not a warning: nothing passes unvalidated.

  python3 validate-manifests.py --kube-version 1.30 --crd keda.sh_scaledobjects.yaml ... rendered.yaml ...
"""

import argparse
import re
import sys

import jsonschema
import yaml
from kubernetes_validate import utils as kv


def strict_json_schema(node):
    """A CRD's structural OpenAPI v3 schema as a JSON Schema that rejects fields the CRD does not declare."""
    if isinstance(node, list):
        return [strict_json_schema(item) for item in node]
    if not isinstance(node, dict):
        return node
    out = {key: strict_json_schema(value) for key, value in node.items()}
    if out.pop("x-kubernetes-int-or-string", False):
        out.pop("type", None)
        out["anyOf"] = [{"type": "integer"}, {"type": "string"}]
    if out.pop("nullable", False) and isinstance(out.get("type"), str):
        out["type"] = [out["type"], "null"]
    preserve = out.pop("x-kubernetes-preserve-unknown-fields", False)
    if out.get("type") == "object" and "properties" in out and "additionalProperties" not in out and not preserve:
        out["additionalProperties"] = False
    return out


def load_crds(paths):
    """(apiVersion, kind) -> JSON Schema, for every served version of every CRD file."""
    schemas = {}
    for path in paths:
        with open(path, encoding="utf-8") as f:
            for crd in yaml.safe_load_all(f):
                if not crd or crd.get("kind") != "CustomResourceDefinition":
                    continue
                group = crd["spec"]["group"]
                kind = crd["spec"]["names"]["kind"]
                for version in crd["spec"]["versions"]:
                    # strict_json_schema builds a new schema (the CRD's is left as it is); metadata stays open.
                    schemas[(f"{group}/{version['name']}", kind)] = strict_json_schema(version["schema"]["openAPIV3Schema"])
    return schemas


def kafka_trigger_parameters(scaler_source):
    """The trigger-metadata parameter names KEDA's Kafka scaler reads, from its Go source's struct tags
    (`keda:"name=lagThreshold,order=triggerMetadata..."`): the CRD leaves trigger metadata an open map."""
    with open(scaler_source, encoding="utf-8") as f:
        return {m.group(1) for m in re.finditer(r'keda:"name=([A-Za-z]+),order=([a-zA-Z;]*)', f.read()) if "triggerMetadata" in m.group(2)}


def unknown_trigger_parameters(resource, kafka_parameters):
    if not kafka_parameters or resource.get("kind") != "ScaledObject":
        return None
    for i, trigger in enumerate((resource.get("spec") or {}).get("triggers") or []):
        if trigger.get("type") == "kafka":
            unknown = sorted(set(trigger.get("metadata") or {}) - kafka_parameters)
            if unknown:
                return f"spec.triggers.{i}.metadata: KEDA's kafka scaler has no parameter {', '.join(unknown)}"
    return None


def validate(resource, kube_version, crds, kafka_parameters=None):
    """None when valid, else a one-line reason."""
    api_version, kind = resource.get("apiVersion"), resource.get("kind")
    unknown = unknown_trigger_parameters(resource, kafka_parameters)
    if unknown:
        return unknown
    crd_schema = crds.get((api_version, kind))
    try:
        if crd_schema is not None:
            jsonschema.Draft7Validator(crd_schema).validate(resource)
        else:
            kv.validate(resource, kube_version, strict=True)
        return None
    except kv.SchemaNotFoundError:
        return f"no schema for {api_version} {kind} (neither Kubernetes {kube_version} nor a --crd file has it)"
    except jsonschema.ValidationError as error:
        location = ".".join(str(p) for p in error.absolute_path) or "(root)"
        return f"{location}: {error.message}"


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--kube-version", required=True)
    parser.add_argument("--crd", action="append", default=[])
    parser.add_argument("--keda-kafka-scaler", help="KEDA's pkg/scalers/kafka_scaler.go, to check trigger metadata names")
    parser.add_argument("manifests", nargs="+")
    args = parser.parse_args()
    crds = load_crds(args.crd)
    kafka_parameters = kafka_trigger_parameters(args.keda_kafka_scaler) if args.keda_kafka_scaler else None
    failures = count = 0
    for path in args.manifests:
        with open(path, encoding="utf-8") as f:
            resources = [r for r in yaml.safe_load_all(f) if r]
        for resource in resources:
            count += 1
            name = f"{resource.get('kind')}/{(resource.get('metadata') or {}).get('name')}"
            problem = validate(resource, args.kube_version, crds, kafka_parameters)
            if problem:
                failures += 1
                print(f"INVALID {path} {name}: {problem}")
            else:
                print(f"valid   {path} {name}")
    print(f"{count - failures} of {count} resources valid against Kubernetes {args.kube_version} and {len(crds)} CRD versions")
    return 1 if failures or count == 0 else 0


if __name__ == "__main__":
    sys.exit(main())
