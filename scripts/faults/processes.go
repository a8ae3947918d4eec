package main

import (
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"syscall"
	"time"
)

// process is one `simgraph serve` of the deployment: an API replica with
// workers, or the event relay.
type process struct {
	name string
	bin  string
	env  []string
	logs string // its stderr, appended over restarts
	addr string
	cmd  *exec.Cmd
	done chan struct{}
}

func newProcess(name, bin, logDir string, env []string) *process {
	return &process{name: name, bin: bin, env: env, logs: filepath.Join(logDir, name+".log"),
		addr: fmt.Sprintf("127.0.0.1:%d", freePort())}
}

// URL is the process's HTTP address.
func (p *process) URL() string { return "http://" + p.addr }

// start runs the process and waits until /readyz says it is ready.
func (p *process) start() error {
	log, err := os.OpenFile(p.logs, os.O_CREATE|os.O_APPEND|os.O_WRONLY, 0o644)
	if err != nil {
		return err
	}
	fmt.Fprintf(log, "--- %s: start\n", time.Now().Format(time.RFC3339Nano))
	cmd := exec.Command(p.bin, "serve", "--addr", p.addr)
	cmd.Env = append(os.Environ(), p.env...)
	cmd.Stdout, cmd.Stderr = log, log
	if err := cmd.Start(); err != nil {
		log.Close()
		return err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); log.Close(); close(done) }()
	p.cmd, p.done = cmd, done
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case <-done:
			return fmt.Errorf("%s exited while starting (see %s)", p.name, p.logs)
		default:
		}
		if resp, err := http.Get(p.URL() + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return nil
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	p.kill()
	return fmt.Errorf("%s was not ready after 60 s (see %s)", p.name, p.logs)
}

// kill ends the process with SIGKILL: no shutdown, no hand-back of its
// jobs, as when a machine dies.
func (p *process) kill() { p.signal(syscall.SIGKILL) }

// stop ends it with SIGTERM, the orderly shutdown.
func (p *process) stop() { p.signal(syscall.SIGTERM) }

func (p *process) signal(sig syscall.Signal) {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(sig)
	select {
	case <-p.done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		<-p.done
	}
	p.cmd = nil
}
