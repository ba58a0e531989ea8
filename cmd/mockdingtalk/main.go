// The program's entry point: it runs the command the arguments name (commands.go)
// with a context that ends on SIGINT or SIGTERM, and exits with its code.

package main

import "github.com/dingtalk-mock/mockdingtalk/internal/cmdmain"

func main() { cmdmain.Run(dispatch) }
