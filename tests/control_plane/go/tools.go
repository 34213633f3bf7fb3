//go:build tools

// Package tools pins the control-plane binaries this module builds, so go.mod and go.sum record them.
package tools

import (
	_ "k8s.io/kubernetes/cmd/kube-apiserver"
	_ "k8s.io/kubernetes/cmd/kube-controller-manager"
	_ "go.etcd.io/etcd/server/v3/embed"
)
