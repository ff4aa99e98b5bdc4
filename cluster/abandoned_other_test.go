//go:build !unix

package cluster_test

// stopAbandoned does nothing where the scripts cannot run.
func stopAbandoned() {}
