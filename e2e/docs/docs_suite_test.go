// Doc snippets run as a reader would run them. Every fenced code block of
// README.md, CONTRIBUTING.md and docs/*.md is one spec:
//
//   - go: a complete file (package clause and imports shown), copied into a
//     scratch module that requires this one, and run with go test there, as
//     in a user's project;
//   - sh: run with bash against the built binary, which a fresh copy of
//     serves for each page (the text's 127.0.0.1:8090 is rewritten to the
//     copy's address); the blocks of one page run in order in one shell,
//     so a later block can use what an earlier one set, and each block's
//     shown output (its "# …" lines after the first command) must equal
//     what its commands print;
//   - yaml: a config file the binary must start with;
//   - any block marked "no-run" is shown only, but the make targets and
//     package paths it names must exist.
//
// A block in any other language fails until it is marked no-run or this
// suite learns to run it. CONTRIBUTING.md tells writers the same.

package docs_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	. "github.com/onsi/ginkgo/v2"
	. "github.com/onsi/gomega"
	"github.com/onsi/gomega/gbytes"
	"github.com/onsi/gomega/gexec"
)

func TestDocs(t *testing.T) {
	RegisterFailHandler(Fail)
	RunSpecs(t, "Doc snippets")
}

// root is the repository root, from this package's directory.
var root = func() string {
	abs, err := filepath.Abs(filepath.Join("..", ".."))
	if err != nil {
		panic(err)
	}
	return abs
}()

// modulePath is this repository's module path, which Go snippets import.
const modulePath = "github.com/dingtalk-mock/mockdingtalk"

// binary is the mockdingtalk binary, built once for the suite.
var binary string

var _ = SynchronizedBeforeSuite(func() []byte {
	// -race, as make e2e builds the specs: the build reuses their packages.
	path, err := gexec.Build(modulePath+"/cmd/mockdingtalk", "-race")
	Expect(err).NotTo(HaveOccurred())
	return []byte(path)
}, func(path []byte) {
	binary = string(path)
})

var _ = SynchronizedAfterSuite(func() {}, gexec.CleanupBuildArtifacts)

// pageSnippets is every block of every page, read when the tree is built.
var pageSnippets = func() map[string][]snippet {
	pages, err := docPages(root)
	if err != nil {
		panic(err)
	}
	out := map[string][]snippet{}
	for _, p := range pages {
		s, err := readSnippets(root, p)
		if err != nil {
			panic(fmt.Sprintf("%s: %v", p, err))
		}
		out[p] = s
	}
	return out
}()

var _ = Describe("The documentation's code blocks", func() {
	pages, _ := docPages(root)
	for _, page := range pages {
		Describe(page, Ordered, ContinueOnFailure, func() {
			var shell *pageShell
			if slices.ContainsFunc(pageSnippets[page], isShell) {
				BeforeAll(func() { shell = newPageShell() })
			}
			It("links to files and headings that exist", func() { checkLinks(page) })
			for _, s := range pageSnippets[page] {
				switch {
				case !s.Runs():
					It(s.String()+" is shown only; what it names exists", func() { checkNamesExist(s) })
				case shownOnly[s.Lang]:
				case s.Lang == "go":
					It(s.String()+" compiles and passes in a module of its own", func() { runGo(s) })
				case isShell(s):
					It(s.String()+" runs against the binary and prints what it shows", func() { shell.run(s) })
				case s.Lang == "yaml":
					It(s.String()+" is a config file the binary starts with", func() { runConfig(s) })
				default:
					It(s.String()+" is in a language this suite does not run", func() {
						Fail(fmt.Sprintf("%s: a %q block must be marked %q (```%s %s) or run by e2e/docs", s, s.Lang, noRun, s.Lang, noRun))
					})
				}
			}
		})
	}
})

// isShell reports whether s is a shell block to run.
func isShell(s snippet) bool {
	return s.Runs() && (s.Lang == "sh" || s.Lang == "bash" || s.Lang == "shell")
}

// ---- Go blocks ----------------------------------------------------------

// runGo writes s into a package of a scratch module and runs go test on it.
func runGo(s snippet) {
	Expect(s.Code).To(MatchRegexp(`(?m)^package \w+`), "%s: a Go block must be a whole file a reader can copy: package clause and imports", s)
	dir := GinkgoT().TempDir()
	gomod := fmt.Sprintf("module example.com/reader\n\ngo 1.26\n\nrequire %s v0.0.0\n\nreplace %s => %s\n", modulePath, modulePath, root)
	Expect(os.WriteFile(filepath.Join(dir, "go.mod"), []byte(gomod), 0o644)).To(Succeed())
	sum, err := os.ReadFile(filepath.Join(root, "go.sum"))
	Expect(err).NotTo(HaveOccurred())
	Expect(os.WriteFile(filepath.Join(dir, "go.sum"), sum, 0o644)).To(Succeed())
	name := "snippet.go"
	if regexp.MustCompile(`(?m)^func (Test|Example|Benchmark)`).MatchString(s.Code) {
		name = "snippet_test.go"
	}
	Expect(os.WriteFile(filepath.Join(dir, name), []byte(s.Code), 0o644)).To(Succeed())

	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	// -race, as make e2e runs: the scratch module reuses the packages the
	// suite's own build compiled.
	cmd := exec.CommandContext(ctx, "go", "test", "-race", "-count=1", ".")
	cmd.Dir = dir
	// -mod=mod lets the scratch module pick its requirements as a reader's
	// "go mod tidy" would, from this module's go.sum.
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod")
	out, err := cmd.CombinedOutput()
	Expect(err).NotTo(HaveOccurred(), "%s: go test in a scratch module failed:\n%s", s, out)
}

// ---- shell blocks -------------------------------------------------------

// pageShell is the binary one page's shell blocks run against, and the
// shell state (variables, files) the blocks share.
type pageShell struct {
	addr   string // host:port of the binary
	dir    string // working directory of the blocks
	done   []snippet
	prefix string // the earlier blocks, replayed before each new one
}

// blockEnd separates the output of one block from the next.
const blockEnd = "@@mockdingtalk-doc-block-end@@"

func newPageShell() *pageShell {
	for _, tool := range []string{"bash", "curl", "openssl", "sed", "base64", "sha512sum"} {
		if _, err := exec.LookPath(tool); err != nil {
			Skip(fmt.Sprintf("%s not found: the shell snippets need it (CI has it)", tool))
		}
	}
	addr := startBinary()
	return &pageShell{addr: addr, dir: GinkgoT().TempDir()}
}

// run runs the page's earlier blocks again, then s, in one bash, and
// compares s's output with what it shows. Replaying keeps each spec
// self-contained while a block can use variables an earlier one set.
func (p *pageShell) run(s snippet) {
	all := append(append([]snippet{}, p.done...), s)
	var script strings.Builder
	script.WriteString("set -eo pipefail\n")
	for _, b := range all {
		script.WriteString(strings.ReplaceAll(b.Code, "127.0.0.1:8090", p.addr))
		fmt.Fprintf(&script, "\nprintf '\\n%s\\n'\n", blockEnd)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	cmd := exec.CommandContext(ctx, "bash", "-c", script.String())
	cmd.Dir = p.dir
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	err := cmd.Run()
	outputs := strings.Split(stdout.String(), blockEnd)
	Expect(err).NotTo(HaveOccurred(), "%s: the block failed (%d of %d blocks of the page finished)\nstdout:\n%s\nstderr:\n%s",
		s, len(outputs)-1, len(all), stdout.String(), stderr.String())
	p.done = append(p.done, s)
	printed := outputs[len(all)-1]
	if shown := shownOutput(s.Code); len(shown) > 0 {
		Expect(outputMatches(printed, shown)).To(BeTrue(),
			"%s: the block shows\n    %s\nbut its commands printed\n    %s\n(an ellipsis … in a shown line stands for any text)",
			s, strings.Join(shown, "\n    "), strings.Join(strings.Split(strings.TrimSpace(printed), "\n"), "\n    "))
	}
}

// startBinary runs the binary on a free loopback port until the spec's
// container ends and returns its host:port.
func startBinary(args ...string) string {
	GinkgoHelper()
	args = append([]string{"-listen", "127.0.0.1:0"}, args...)
	session, err := gexec.Start(exec.Command(binary, args...), gbytes.NewBuffer(), GinkgoWriter)
	Expect(err).NotTo(HaveOccurred())
	DeferCleanup(func() { session.Terminate().Wait(15 * time.Second) })
	Eventually(session.Out, 20*time.Second).Should(gbytes.Say(`listening on http://(127\.0\.0\.1:\d+)`),
		"the binary did not start; it said:\n%s", session.Err.Contents())
	m := regexp.MustCompile(`listening on http://(127\.0\.0\.1:\d+)`).FindSubmatch(session.Out.Contents())
	return string(m[1])
}

// ---- yaml blocks --------------------------------------------------------

// runConfig starts the binary with s as its config file.
func runConfig(s snippet) {
	path := filepath.Join(GinkgoT().TempDir(), "mockdingtalk.yaml")
	Expect(os.WriteFile(path, []byte(s.Code), 0o644)).To(Succeed())
	addr := startBinary("-config", path)
	Expect(addr).NotTo(BeEmpty())
}

// ---- no-run blocks ------------------------------------------------------

var (
	makeTarget  = regexp.MustCompile(`(?m)^\s*make ([a-z][\w-]*)`)
	packagePath = regexp.MustCompile(`go (?:test|run|build|vet)\s+(?:-\S+\s+)*(\./[\w./-]*)`)
)

// checkNamesExist fails when a shown-only block names a make target that
// the Makefile lacks or a ./path that is not in the repository.
func checkNamesExist(s snippet) {
	makefile, err := os.ReadFile(filepath.Join(root, "Makefile"))
	Expect(err).NotTo(HaveOccurred())
	for _, m := range makeTarget.FindAllStringSubmatch(s.Code, -1) {
		Expect(string(makefile)).To(MatchRegexp(`(?m)^`+regexp.QuoteMeta(m[1])+`:`), "%s: the Makefile has no target %q", s, m[1])
	}
	for _, m := range packagePath.FindAllStringSubmatch(s.Code, -1) {
		p := strings.TrimSuffix(strings.TrimSuffix(m[1], "..."), "/")
		_, err := os.Stat(filepath.Join(root, p))
		Expect(errors.Is(err, os.ErrNotExist)).To(BeFalse(), "%s: %s is not in the repository", s, m[1])
	}
}

// ---- links --------------------------------------------------------------

// checkLinks fails for a link of page to a file that is not in the
// repository or to a heading that its page does not have.
func checkLinks(page string) {
	links, _, err := localLinks(root, page)
	Expect(err).NotTo(HaveOccurred())
	for _, l := range links {
		file, frag, _ := strings.Cut(l.Dest, "#")
		target := page
		if file != "" {
			target = filepath.ToSlash(filepath.Join(filepath.Dir(page), file))
			_, err := os.Stat(filepath.Join(root, target))
			Expect(err).NotTo(HaveOccurred(), "%s: the link %q points at a file that is not in the repository", page, l.Dest)
		}
		if frag == "" || !strings.HasSuffix(target, ".md") {
			continue
		}
		_, anchors, err := localLinks(root, target)
		Expect(err).NotTo(HaveOccurred())
		Expect(anchors).To(HaveKey(frag), "%s: the link %q names no heading of %s", page, l.Dest, target)
	}
}

// ---- what a reader cannot see ---------------------------------------------

// unseen matches pointers to material outside the repository that a reader
// cannot look up: the team's issue numbers, its private notes, its paths.
// A public issue is cited as owner/repo#N, which this does not match.
var unseen = regexp.MustCompile(`(?i)\bissues? #?\d+\b|reference notes|shared/reference|/work/`)

var _ = Describe("The repository's text", func() {
	It("points at nothing a reader cannot see (the team's issue numbers, notes or paths)", func() {
		out, err := exec.Command("git", "-C", root, "ls-files").Output()
		if err != nil {
			Skip("not a git checkout: " + err.Error())
		}
		var found []string
		for _, f := range strings.Split(strings.TrimSpace(string(out)), "\n") {
			if strings.Contains(f, "testdata/fuzz/") || !regexp.MustCompile(`\.(go|md|ya?ml|py|js|sh|html|css|txt)$|^Makefile$|^Containerfile$|/run$`).MatchString(f) {
				continue
			}
			data, err := os.ReadFile(filepath.Join(root, f))
			if err != nil {
				continue // listed but not checked out (e.g. deleted in the work tree)
			}
			for i, line := range strings.Split(string(data), "\n") {
				if m := unseen.FindString(line); m != "" && f != "e2e/docs/docs_suite_test.go" {
					found = append(found, fmt.Sprintf("%s:%d: %q", f, i+1, m))
				}
			}
		}
		Expect(found).To(BeEmpty(), "say it in the repository's own words, or cite a public source (owner/repo#N)")
	})
})
