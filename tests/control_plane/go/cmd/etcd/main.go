// Command etcd runs a single-member etcd for the test control plane, on loopback only.
//
// The etcd server comes from the same module graph as kube-apiserver, so client and server versions agree
// and no second Go module is needed.
package main

import (
	"flag"
	"log"
	"net/url"
	"os"
	"os/signal"
	"syscall"

	"go.etcd.io/etcd/server/v3/embed"
)

func mustURL(raw string) url.URL {
	parsed, err := url.Parse(raw)
	if err != nil {
		log.Fatalf("etcd: invalid URL %q: %v", raw, err)
	}
	return *parsed
}

func main() {
	dataDir := flag.String("data-dir", "", "directory holding the etcd database (required)")
	clientURL := flag.String("listen-client-url", "", "loopback URL clients connect to, e.g. http://127.0.0.1:2379 (required)")
	peerURL := flag.String("listen-peer-url", "", "loopback URL of the (single) peer endpoint (required)")
	flag.Parse()
	if *dataDir == "" || *clientURL == "" || *peerURL == "" {
		flag.Usage()
		os.Exit(2)
	}

	cfg := embed.NewConfig()
	cfg.Name = "control-plane"
	cfg.Dir = *dataDir
	cfg.LogLevel = "warn"
	client, peer := mustURL(*clientURL), mustURL(*peerURL)
	cfg.ListenClientUrls = []url.URL{client}
	cfg.AdvertiseClientUrls = []url.URL{client}
	cfg.ListenPeerUrls = []url.URL{peer}
	cfg.AdvertisePeerUrls = []url.URL{peer}
	cfg.InitialCluster = cfg.Name + "=" + peer.String()
	// A test database is thrown away with its directory; skipping fsync keeps applies fast on a loaded machine.
	cfg.UnsafeNoFsync = true

	server, err := embed.StartEtcd(cfg)
	if err != nil {
		log.Fatalf("etcd: cannot start: %v", err)
	}
	defer server.Close()

	stop := make(chan os.Signal, 1)
	signal.Notify(stop, syscall.SIGINT, syscall.SIGTERM)
	select {
	case <-server.Server.ReadyNotify():
		log.Printf("etcd: ready on %s", client.String())
	case err := <-server.Err():
		log.Fatalf("etcd: %v", err)
	case <-stop:
		return
	}
	select {
	case err := <-server.Err():
		log.Fatalf("etcd: %v", err)
	case <-stop:
	}
}
