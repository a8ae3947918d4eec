package cli

import (
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"github.com/schollz/progressbar/v3"
	"golang.org/x/term"

	"github.com/simgraph/simgraph/engine"
)

// progressView shows a run's progress on stderr. The engine calls update
// from one goroutine at a time; note and end are called between updates
// or after the run.
type progressView interface {
	update(p engine.Progress)
	// note prints a message on a line of its own, above the bar.
	note(msg string)
	// end leaves stderr at the start of an empty line, so that what is
	// printed next (the results on a shared terminal, an error) does not
	// start on the bar's line.
	end()
}

// newProgressView picks the view for --progress: a bar redrawn in place
// when stderr is a terminal, one plain line per tenth of the run when it
// is not but the bar was asked for (a log file must not collect carriage
// returns), nothing otherwise. notes are printed whatever the mode.
func newProgressView(mode string, stderr io.Writer, total int) progressView {
	terminal := isTerminal(stderr)
	switch {
	case mode == "never" || mode == "auto" && !terminal:
		return &quietProgress{w: stderr}
	case terminal:
		return newTerminalProgress(stderr, total)
	}
	return &lineProgress{w: stderr, total: total, lastTenth: -1}
}

func isTerminal(w io.Writer) bool {
	f, ok := w.(*os.File)
	return ok && term.IsTerminal(int(f.Fd()))
}

// quietProgress shows nothing but the notes.
type quietProgress struct{ w io.Writer }

func (q *quietProgress) update(engine.Progress) {}
func (q *quietProgress) note(msg string)        { fmt.Fprintln(q.w, msg) }
func (q *quietProgress) end()                   {}

// lineProgress writes a line when the run reaches another tenth of its
// iterations and when it starts summarising: at most a dozen lines, each
// ended, whatever the length of the run.
type lineProgress struct {
	w           io.Writer
	total       int
	lastTenth   int
	summarizing bool
}

func (l *lineProgress) update(p engine.Progress) {
	switch p.Stage {
	case "running":
		tenth := 10 * p.Done / max(l.total, 1)
		if tenth > l.lastTenth {
			l.lastTenth = tenth
			fmt.Fprintf(l.w, "simulating: %3d%% (%d of %d iterations)\n", 100*p.Done/max(l.total, 1), p.Done, l.total)
		}
	case "summarizing":
		if !l.summarizing {
			l.summarizing = true
			fmt.Fprintf(l.w, "summarizing %d iterations\n", p.Done)
		}
	}
}

func (l *lineProgress) note(msg string) { fmt.Fprintln(l.w, msg) }
func (l *lineProgress) end()            {}

// terminalProgress is a bar redrawn in place on one line. Once the
// iterations are done it is replaced by "summarizing…" (the streamed
// summary's passes can take a while), and end clears that line.
type terminalProgress struct {
	w      io.Writer
	bar    *progressbar.ProgressBar
	onLine lineContent
}

// lineContent is what the cursor's line shows.
type lineContent int

const (
	lineEmpty lineContent = iota
	lineBar
	lineSummarizing
)

func newTerminalProgress(w io.Writer, total int) *terminalProgress {
	return &terminalProgress{w: w, bar: progressbar.NewOptions(total,
		progressbar.OptionSetWriter(w),
		progressbar.OptionSetDescription("simulating"),
		progressbar.OptionShowCount(),
		progressbar.OptionShowIts(),
		progressbar.OptionSetItsString("it"),
		progressbar.OptionThrottle(100*time.Millisecond),
		progressbar.OptionSetPredictTime(true),
		progressbar.OptionFullWidth(),
		progressbar.OptionClearOnFinish(),
	)}
}

// summarizingText is drawn once the bar is full.
const summarizingText = "summarizing…"

func (t *terminalProgress) update(p engine.Progress) {
	switch p.Stage {
	case "running":
		_ = t.bar.Set(p.Done)
		t.onLine = lineBar
		if t.bar.IsFinished() {
			t.onLine = lineEmpty // the bar cleared itself
		}
	case "summarizing":
		t.clear()
		fmt.Fprint(t.w, summarizingText)
		t.onLine = lineSummarizing
	}
}

func (t *terminalProgress) note(msg string) {
	t.clear()
	fmt.Fprintln(t.w, msg)
}

func (t *terminalProgress) end() { t.clear() }

// clear blanks the current line and returns to its start. The bar clears
// itself when it fills; a run stopped early (an error, an interrupt)
// leaves it partly drawn.
func (t *terminalProgress) clear() {
	switch t.onLine {
	case lineBar:
		_ = t.bar.Clear()
	case lineSummarizing:
		fmt.Fprintf(t.w, "\r%s\r", strings.Repeat(" ", len([]rune(summarizingText))))
	}
	t.onLine = lineEmpty
}
