// Command gqlexecpatch rewrites gqlgen's generated executor in place to use
// internal/gqlexec (see that package for why). go generate runs it right
// after gqlgen (generate.go):
//
//	go run ./internal/gqlexec/cmd/gqlexecpatch graph/generated/generated.go
package main

import (
	"bytes"
	"fmt"
	"os"

	"github.com/tuoyu/tuoyu/internal/gqlexec"
)

func main() {
	if len(os.Args) != 2 {
		fmt.Fprintln(os.Stderr, "usage: gqlexecpatch FILE.go")
		os.Exit(2)
	}
	if err := patch(os.Args[1]); err != nil {
		fmt.Fprintln(os.Stderr, "gqlexecpatch:", err)
		os.Exit(1)
	}
}

func patch(path string) error {
	src, err := os.ReadFile(path)
	if err != nil {
		return err
	}
	out, err := gqlexec.Rewrite(path, src)
	if err != nil {
		return err
	}
	if bytes.Equal(out, src) {
		return nil
	}
	info, err := os.Stat(path)
	if err != nil {
		return err
	}
	return os.WriteFile(path, out, info.Mode().Perm())
}
