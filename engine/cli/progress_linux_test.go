package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"strings"
	"syscall"
	"testing"
	"time"
	"unsafe"

	"github.com/stretchr/testify/require"

	"github.com/simgraph/simgraph/engine/cli"
)

// openPTY opens a pseudo-terminal 80 columns wide and returns its master
// (what a terminal emulator reads) and its slave (the program's stderr).
func openPTY(t *testing.T) (master, slave *os.File) {
	t.Helper()
	master, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Skipf("no pseudo-terminals here: %v", err)
	}
	ioctl := func(f *os.File, req uintptr, arg unsafe.Pointer) {
		_, _, errno := syscall.Syscall(syscall.SYS_IOCTL, f.Fd(), req, uintptr(arg))
		require.Zero(t, errno, "ioctl %#x", req)
	}
	unlock := int32(0)
	ioctl(master, syscall.TIOCSPTLCK, unsafe.Pointer(&unlock))
	var n uint32
	ioctl(master, syscall.TIOCGPTN, unsafe.Pointer(&n))
	slave, err = os.OpenFile(fmt.Sprintf("/dev/pts/%d", n), os.O_RDWR|syscall.O_NOCTTY, 0)
	require.NoError(t, err)
	size := struct{ rows, cols, x, y uint16 }{24, 80, 0, 0}
	ioctl(slave, syscall.TIOCSWINSZ, unsafe.Pointer(&size))
	t.Cleanup(func() { _ = master.Close(); _ = slave.Close() })
	return master, slave
}

// replay draws terminal output as a terminal would and returns the lines
// on the screen and the cursor's column: \r goes to the line's start, \n
// to a new line, ESC[K and ESC[2K erase; other escapes are ignored.
func replay(out string) (lines []string, col int) {
	var cur []rune
	runes := []rune(out)
	for i := 0; i < len(runes); i++ {
		switch r := runes[i]; {
		case r == '\r':
			col = 0
		case r == '\n':
			lines = append(lines, strings.TrimRight(string(cur), " "))
			cur, col = nil, 0
		case r == 0x1b && i+1 < len(runes) && runes[i+1] == '[':
			j := i + 2
			for j < len(runes) && (runes[j] < '@' || runes[j] > '~') {
				j++
			}
			switch string(runes[i+2 : min(j+1, len(runes))]) {
			case "K", "0K":
				cur = cur[:min(col, len(cur))]
			case "2K":
				cur = nil
			}
			i = j
		default:
			for len(cur) <= col {
				cur = append(cur, ' ')
			}
			cur[col] = r
			col++
		}
	}
	return append(lines, strings.TrimRight(string(cur), " ")), col
}

func TestReplay(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		out   string
		lines []string
		col   int
	}{
		{"abc", []string{"abc"}, 3},
		{"abc\r", []string{"abc"}, 0},
		{"abc\rx", []string{"xbc"}, 1},
		{"abc\r   \r", []string{""}, 0},
		{"abc\nd", []string{"abc", "d"}, 1},
		{"abc\x1b[2K\r", []string{""}, 0},
		{"abc\rx\x1b[K", []string{"x"}, 1},
		{"50% █\r", []string{"50% █"}, 0},
	} {
		lines, col := replay(tc.out)
		require.Equal(t, tc.lines, lines, "%q", tc.out)
		require.Equal(t, tc.col, col, "%q", tc.out)
	}
}

// TestSimulateProgressBarOnTerminal runs the simulation with stdout and
// stderr the same terminal, where --progress auto draws the bar, and
// checks that the bar's line is clean when the results are printed (they
// start a line of their own) and at the end, after a finished run and
// after an interrupted one.
func TestSimulateProgressBarOnTerminal(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name   string
		cancel bool
	}{
		{"Finished", false},
		{"Interrupted", true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			master, slave := openPTY(t)
			screen, drawn := make(chan string), make(chan struct{})
			go func(notify chan struct{}) {
				var all []byte
				buf := make([]byte, 4096)
				for {
					n, err := master.Read(buf)
					all = append(all, buf[:n]...)
					if notify != nil && bytes.Contains(all, []byte("simulating")) {
						close(notify)
						notify = nil
					}
					if err != nil { // EIO once the slave is closed
						screen <- string(all)
						return
					}
				}
			}(drawn)
			ctx, cancel := context.WithCancel(context.Background())
			defer cancel()
			args := dcfArgs(t, "--workers", "1")
			if tc.cancel {
				args = append(args, "--iterations", "5000000")
			}
			done := make(chan error)
			go func() { done <- cli.Simulate(ctx, args, slave, slave) }()
			if tc.cancel {
				select { // mid-run
				case <-drawn:
				case <-time.After(time.Minute):
					t.Fatal("no progress bar after a minute")
				}
				cancel()
			}
			err := <-done
			require.NoError(t, slave.Close())
			out := <-screen
			lines, col := replay(out)
			if tc.cancel {
				require.True(t, errors.Is(err, context.Canceled), "%v", err)
			} else {
				require.NoError(t, err)
				require.Contains(t, out, "simulating", "the bar was drawn")
				require.Contains(t, lines, "Summary!B2", "the results are on the terminal")
				require.True(t, strings.HasPrefix(lines[0], dcfPath(t)+": 5000 iterations"), "the results start a clean line: %q", lines[0])
			}
			require.Equal(t, "", lines[len(lines)-1], "the bar's line is cleared; the terminal got %q", out)
			require.Zero(t, col)
		})
	}
}
