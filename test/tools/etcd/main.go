// Command etcd is etcd's own server main, built from the go.etcd.io/etcd/server/v3 module because
// Debian's etcd 3.4 is older than what the Kubernetes API server expects.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() {
	etcdmain.Main(os.Args)
}
