#!/usr/bin/env bash
# npm run check:helm: what can be checked of the Helm chart without a cluster. For the default values and for the
# full example (helm/hl7-router/ci/production-values.yaml): helm lint --strict, helm template, and the rendered
# manifests validated strictly against the Kubernetes API schemas of the oldest and newest versions the chart
# supports, and the KEDA / Prometheus Operator CRDs. Tools come from Go modules and PyPI (scripts/lib/helm-tools.sh).
set -euo pipefail
. "$(dirname "${BASH_SOURCE[0]}")/lib/common.sh"
. "$HL7R_ROOT/scripts/lib/helm-tools.sh"
cd "$HL7R_ROOT"

chart=helm/hl7-router
# The chart's kubeVersion floor and the newest Kubernetes kubernetes-validate knows.
kube_versions=(1.27.0 1.37.0)

helm="$(hl7r_ensure_helm)"
pythonpath="$(hl7r_ensure_kubernetes_validate)"
mapfile -t schema_args < <(hl7r_validator_schemas)
[ "${#schema_args[@]}" -gt 0 ] || die "could not fetch the CRD schemas (see the errors above)"
out="$HL7R_STATE/helm"
mkdir -p "$out"

for values in default "$chart/ci/production-values.yaml"; do
  label="$(basename "$values" .yaml)"
  args=()
  [ "$values" = default ] || args=(--values "$values")
  say "helm lint --strict ($label values)"
  "$helm" lint --strict "$chart" "${args[@]}" >&2
  for kube in "${kube_versions[@]}"; do
    rendered="$out/$label-k8s$kube.yaml"
    say "helm template ($label values, Kubernetes $kube) -> $rendered"
    "$helm" template hl7-router "$chart" --namespace hl7 --kube-version "$kube" "${args[@]}" > "$rendered"
    report="$out/$label-k8s$kube.validation.txt"
    if PYTHONPATH="$pythonpath" python3 scripts/helm/validate-manifests.py --kube-version "$kube" "${schema_args[@]}" "$rendered" > "$report"; then
      tail -n 1 "$report" >&2
    else
      grep -v '^valid ' "$report" >&2
      die "rendered manifests ($label values, Kubernetes $kube) are invalid"
    fi
  done
done
say "helm chart OK"
