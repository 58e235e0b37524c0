// etcd's own main (go.etcd.io/etcd/v3) is a thin call into etcdmain; this is the same.
package main

import (
	"os"

	"go.etcd.io/etcd/server/v3/etcdmain"
)

func main() { etcdmain.Main(os.Args) }
