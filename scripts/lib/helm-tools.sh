# shellcheck shell=bash
# The tools that check the Helm chart, each from a registry these machines reach, into the project cache:
#   helm                 built from its Go module (helm.sh/helm/v3) with the version stamps its Makefile sets;
#   kubernetes-validate  (PyPI) Kubernetes' OpenAPI schemas as JSON Schema, validated with python's jsonschema;
#   CRD schemas          KEDA's ScaledObject/TriggerAuthentication and the Prometheus Operator's ServiceMonitor,
#                        read from those projects' Go modules (their config/crd and example/ CRD files).
# Source after common.sh.

HL7R_HELM_VERSION=v3.22.0
# The Kubernetes minor helm's client libraries are built against (k8s.io/client-go v0.37 in helm v3.22.0): helm
# renders .Capabilities.KubeVersion as this unless --kube-version is given.
HL7R_HELM_K8S_MINOR=37
HL7R_KUBERNETES_VALIDATE_VERSION=1.37.0
HL7R_KEDA_MODULE=github.com/kedacore/keda/v2@v2.21.0
HL7R_PROMETHEUS_OPERATOR_MODULE=github.com/prometheus-operator/prometheus-operator@v0.85.0
# promtool (check and unit-test the chart's alert rules), from Prometheus' Go module (v0.316.0 is Prometheus 3.x's
# Go module version).
HL7R_PROMETHEUS_MODULE=github.com/prometheus/prometheus
HL7R_PROMETHEUS_VERSION=v0.316.0

hl7r_find_go() {
  local c
  for c in "$(command -v go || true)" /usr/local/go/bin/go; do
    [ -n "$c" ] && [ -x "$c" ] && { echo "$c"; return 0; }
  done
  die "Go is needed to build helm ($HL7R_HELM_VERSION) from its module; install Go 1.24 or newer"
}

# Builds a Go command into the project cache once and prints its path:
#   hl7r_go_tool <name> <version> <what to say while building> <go install arguments...>
hl7r_go_tool() {
  local name="$1" version="$2" what="$3" go
  shift 3
  local bin="$HL7R_CACHE/bin/$name-$version" build="$HL7R_CACHE/bin/.$name-build"
  if [ ! -x "$bin" ]; then
    go="$(hl7r_find_go)"
    say "building $name $version from its Go module (first time only, $what)"
    mkdir -p "$HL7R_CACHE/bin"
    GOBIN="$build" GOFLAGS=-trimpath CGO_ENABLED=0 "$go" install "$@" >&2
    mv "$build/$name" "$bin"
    rmdir "$build" 2>/dev/null || true
  fi
  echo "$bin"
}

# Prints the path of helm, building it on first use (about two minutes on two cores), with the version stamps its
# Makefile sets.
hl7r_ensure_helm() {
  local ldflags="-s -w -X helm.sh/helm/v3/internal/version.version=$HL7R_HELM_VERSION"
  ldflags+=" -X helm.sh/helm/v3/internal/version.gitTreeState=clean"
  ldflags+=" -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/lint/rules.k8sVersionMinor=$HL7R_HELM_K8S_MINOR"
  ldflags+=" -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMajor=1 -X helm.sh/helm/v3/pkg/chartutil.k8sVersionMinor=$HL7R_HELM_K8S_MINOR"
  hl7r_go_tool helm "$HL7R_HELM_VERSION" "about two minutes" -ldflags "$ldflags" "helm.sh/helm/v3/cmd/helm@$HL7R_HELM_VERSION"
}

# Prints the path of promtool, building it from Prometheus' Go module on first use, without the service-discovery
# plugins, which only `check config` needs: -tags remove_all_sd halves the build (about three minutes on two cores).
hl7r_ensure_promtool() {
  hl7r_go_tool promtool "$HL7R_PROMETHEUS_VERSION" "about three minutes" \
    -tags remove_all_sd -ldflags "-s -w" "$HL7R_PROMETHEUS_MODULE/cmd/promtool@$HL7R_PROMETHEUS_VERSION"
}

# Prints a directory to put on PYTHONPATH for `python3 -m kubernetes_validate` and scripts that import it.
hl7r_ensure_kubernetes_validate() {
  local dir="$HL7R_CACHE/pytools-kubernetes-validate-$HL7R_KUBERNETES_VALIDATE_VERSION"
  if [ ! -d "$dir/kubernetes_validate" ]; then
    say "installing kubernetes-validate $HL7R_KUBERNETES_VALIDATE_VERSION from PyPI into $dir"
    pip_into "$dir" "kubernetes-validate==$HL7R_KUBERNETES_VALIDATE_VERSION"
  fi
  echo "$dir"
}

# Prints validator arguments, one per line: --crd FILE for the chart's custom resources, and
# --keda-kafka-scaler FILE (the scaler's source, which names the trigger metadata it reads).
hl7r_validator_schemas() {
  local go keda prom
  go="$(hl7r_find_go)"
  mkdir -p "$HL7R_CACHE"
  # Outside any Go module, so only these two modules are fetched (checksums verified against sum.golang.org).
  keda="$(cd "$HL7R_CACHE" && GOFLAGS= "$go" mod download -json "$HL7R_KEDA_MODULE" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  prom="$(cd "$HL7R_CACHE" && GOFLAGS= "$go" mod download -json "$HL7R_PROMETHEUS_OPERATOR_MODULE" | sed -n 's/^\t"Dir": "\(.*\)",$/\1/p')"
  [ -n "$keda" ] && [ -n "$prom" ] || die "could not download the KEDA / Prometheus Operator modules for their CRDs"
  printf '%s\n' --crd "$keda/config/crd/bases/keda.sh_scaledobjects.yaml" \
    --crd "$keda/config/crd/bases/keda.sh_triggerauthentications.yaml" \
    --crd "$prom/example/prometheus-operator-crd/monitoring.coreos.com_servicemonitors.yaml" \
    --crd "$prom/example/prometheus-operator-crd/monitoring.coreos.com_prometheusrules.yaml" \
    --keda-kafka-scaler "$keda/pkg/scalers/kafka_scaler.go"
}
