"""Network plumbing every layer may use (upstream's k8s.io/apimachinery/pkg/util/net and util/proxy)."""
