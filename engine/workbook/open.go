package workbook

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path"
	"strings"

	"github.com/xuri/excelize/v2"
)

// OpenFile imports the .xlsx file at path.
func OpenFile(name string, lim Limits) (*Workbook, error) {
	f, err := os.Open(name)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	st, err := f.Stat()
	if err != nil {
		return nil, err
	}
	return Open(f, st.Size(), lim)
}

// Open imports an .xlsx workbook of the given size from r.
//
// A panic while reading the package (in excelize or in the readers here) is
// the input's doing: it is recovered and returned as an ErrInvalidWorkbook,
// so that a hostile upload is refused like any other unreadable file.
func Open(r io.ReaderAt, size int64, lim Limits) (wb *Workbook, err error) {
	defer func() {
		if v := recover(); v != nil {
			wb, err = nil, invalid("the package could not be read (%v)", v)
		}
	}()
	return openPackage(r, size, lim)
}

func openPackage(r io.ReaderAt, size int64, lim Limits) (*Workbook, error) {
	lim = lim.withDefaults()
	if size > lim.MaxFileSize {
		return nil, &LimitError{Limit: "MaxFileSize", Max: lim.MaxFileSize, Got: size}
	}
	var head [8]byte
	if n, _ := r.ReadAt(head[:], 0); n >= 4 && bytes.Equal(head[:4], []byte{0xD0, 0xCF, 0x11, 0xE0}) {
		return nil, invalid("OLE2 compound file: a legacy .xls or an encrypted workbook, save it as .xlsx without a password")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, invalid("not a zip archive: %v", err)
	}
	if err := checkZip(zr, lim); err != nil {
		return nil, err
	}
	// a fresh inflater per part instead of archive/zip's pooled ones: the
	// pool's hits and misses depend on the garbage collector, which made the
	// code paths of one input vary from run to run (and the fuzzer chase
	// coverage that does not reproduce)
	zr.RegisterDecompressor(zip.Deflate, func(r io.Reader) io.ReadCloser { return flate.NewReader(r) })
	p := &pkg{zr: zr, lim: lim, files: map[string]*zip.File{}}
	for _, f := range zr.File {
		p.files[strings.TrimPrefix(f.Name, "/")] = f
	}
	wb, err := p.read()
	if err != nil {
		return nil, err
	}
	// excelize is the reference reader of the package: its view of the
	// sheet list and of the defined names is the one we keep.
	if err := p.crossCheck(r, size, wb); err != nil {
		return nil, err
	}
	wb.index()
	return wb, nil
}

// checkZip rejects zip bombs from the central directory alone. archive/zip
// then refuses to read more bytes than an entry declares, so the declared
// sizes bound the real work.
func checkZip(zr *zip.Reader, lim Limits) error {
	if n := int64(len(zr.File)); n > lim.MaxEntries {
		return &LimitError{Limit: "MaxEntries", Max: lim.MaxEntries, Got: n}
	}
	var total uint64
	for _, f := range zr.File {
		u := f.UncompressedSize64
		total += u
		if total > uint64(lim.MaxUncompressed) || u > uint64(lim.MaxUncompressed) {
			return &LimitError{Limit: "MaxUncompressed", Max: lim.MaxUncompressed, Got: int64(min(total, 1<<62)), Where: f.Name}
		}
		if u > ratioFloor {
			c := max(f.CompressedSize64, 1)
			if ratio := u / c; ratio > uint64(lim.MaxRatio) {
				return &LimitError{Limit: "MaxRatio", Max: lim.MaxRatio, Got: int64(ratio), Where: f.Name}
			}
		}
	}
	return nil
}

type pkg struct {
	zr    *zip.Reader
	lim   Limits
	files map[string]*zip.File
	sst   []string
	cells int64
}

func (p *pkg) open(name string) (io.ReadCloser, error) {
	f, ok := p.files[name]
	if !ok {
		// part names are case-insensitive in OPC
		for k, v := range p.files {
			if strings.EqualFold(k, name) {
				f, ok = v, true
				break
			}
		}
	}
	if !ok {
		return nil, invalid("missing part %s", name)
	}
	rc, err := f.Open()
	if err != nil {
		return nil, invalid("part %s: %v", name, err)
	}
	return rc, nil
}

type xRels struct {
	Rels []struct {
		ID     string `xml:"Id,attr"`
		Type   string `xml:"Type,attr"`
		Target string `xml:"Target,attr"`
	} `xml:"Relationship"`
}

type xWorkbook struct {
	Pr struct {
		Date1904 string `xml:"date1904,attr"`
	} `xml:"workbookPr"`
	Calc struct {
		Iterate      string `xml:"iterate,attr"`
		IterateCount string `xml:"iterateCount,attr"`
		IterateDelta string `xml:"iterateDelta,attr"`
	} `xml:"calcPr"`
	Sheets []struct {
		Name string `xml:"name,attr"`
		RID  string `xml:"http://schemas.openxmlformats.org/officeDocument/2006/relationships id,attr"`
	} `xml:"sheets>sheet"`
	Names []struct {
		Name  string `xml:"name,attr"`
		Local *int   `xml:"localSheetId,attr"`
		Text  string `xml:",chardata"`
	} `xml:"definedNames>definedName"`
}

func (p *pkg) decodePart(name string, v any) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	if err := xml.NewDecoder(rc).Decode(v); err != nil {
		return invalid("part %s: %v", name, err)
	}
	return nil
}

func (p *pkg) read() (*Workbook, error) {
	wbPath := "xl/workbook.xml"
	var root xRels
	if err := p.decodePart("_rels/.rels", &root); err == nil {
		for _, r := range root.Rels {
			if strings.HasSuffix(r.Type, "/officeDocument") {
				wbPath = strings.TrimPrefix(r.Target, "/")
			}
		}
	}
	var x xWorkbook
	if err := p.decodePart(wbPath, &x); err != nil {
		return nil, err
	}
	if n := int64(len(x.Sheets)); n > p.lim.MaxSheets {
		return nil, &LimitError{Limit: "MaxSheets", Max: p.lim.MaxSheets, Got: n}
	}
	if len(x.Sheets) == 0 {
		return nil, invalid("no sheets")
	}
	dir := path.Dir(wbPath)
	relsPath := path.Join(dir, "_rels", path.Base(wbPath)+".rels")
	var rels xRels
	if err := p.decodePart(relsPath, &rels); err != nil {
		return nil, err
	}
	targets := map[string]string{}
	sstPath := ""
	for _, r := range rels.Rels {
		t := r.Target
		if strings.HasPrefix(t, "/") {
			t = strings.TrimPrefix(t, "/")
		} else {
			t = path.Join(dir, t)
		}
		targets[r.ID] = t
		if strings.HasSuffix(r.Type, "/sharedStrings") {
			sstPath = t
		}
	}
	if sstPath != "" {
		if err := p.readSST(sstPath); err != nil {
			return nil, err
		}
	}
	wb := &Workbook{Date1904: x.Pr.Date1904 == "1" || x.Pr.Date1904 == "true"}
	wb.Calc = readCalc(x.Calc.Iterate, x.Calc.IterateCount, x.Calc.IterateDelta)
	for i, xs := range x.Sheets {
		sh := &Sheet{Name: xs.Name, Index: i}
		t, ok := targets[xs.RID]
		if !ok {
			return nil, invalid("sheet %q has no part", xs.Name)
		}
		if strings.Contains(t, "worksheets/") || strings.HasSuffix(t, ".xml") && !strings.Contains(t, "chartsheets/") && !strings.Contains(t, "dialogsheets/") {
			if err := p.readSheet(t, sh); err != nil {
				return nil, err
			}
			tables, err := p.readTables(t, sh)
			if err != nil {
				return nil, err
			}
			wb.Tables = append(wb.Tables, tables...)
		}
		wb.Sheets = append(wb.Sheets, sh)
	}
	for _, n := range x.Names {
		dn := DefinedName{Name: n.Name, RefersTo: strings.TrimPrefix(strings.TrimSpace(n.Text), "=")}
		if n.Local != nil {
			if *n.Local < 0 || *n.Local >= len(wb.Sheets) {
				continue
			}
			dn.Scope = wb.Sheets[*n.Local].Name
		}
		wb.Names = append(wb.Names, dn)
	}
	return wb, nil
}

// crossCheck opens the package with excelize (with the same size limits) and
// requires the same sheet list; defined names are taken from excelize.
func (p *pkg) crossCheck(r io.ReaderAt, size int64, wb *Workbook) error {
	opts := excelize.Options{UnzipSizeLimit: p.lim.MaxUncompressed, UnzipXMLSizeLimit: min(p.lim.MaxUncompressed, 16<<20)}
	f, err := excelize.OpenReader(io.NewSectionReader(r, 0, size), opts)
	if err != nil {
		if strings.Contains(err.Error(), "size limit") {
			return &LimitError{Limit: "MaxUncompressed", Max: p.lim.MaxUncompressed, Got: -1, Where: err.Error()}
		}
		return invalid("%v", err)
	}
	defer f.Close()
	list := f.GetSheetList()
	if len(list) != len(wb.Sheets) {
		return invalid("sheet list mismatch: %d sheets in workbook.xml, %d read", len(wb.Sheets), len(list))
	}
	for i, n := range list {
		if n != wb.Sheets[i].Name {
			return invalid("sheet %d is %q, excelize reads %q", i+1, wb.Sheets[i].Name, n)
		}
	}
	var names []DefinedName
	for _, dn := range f.GetDefinedName() {
		n := DefinedName{Name: dn.Name, RefersTo: strings.TrimPrefix(dn.RefersTo, "=")}
		if dn.Scope != "Workbook" {
			n.Scope = dn.Scope
		}
		names = append(names, n)
	}
	wb.Names = names
	return nil
}

func (p *pkg) readSST(name string) error {
	rc, err := p.open(name)
	if err != nil {
		return err
	}
	defer rc.Close()
	d := xml.NewDecoder(rc)
	var cur strings.Builder
	inSI, inT, skip := false, false, 0
	for {
		tok, err := d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return invalid("part %s: %v", name, err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = inSI && skip == 0
			case "rPh", "phoneticPr":
				skip++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "si":
				inSI = false
				if int64(len(p.sst)) >= p.lim.MaxCells {
					return &LimitError{Limit: "MaxCells", Max: p.lim.MaxCells, Got: int64(len(p.sst)) + 1, Where: "shared strings"}
				}
				p.sst = append(p.sst, cur.String())
			case "t":
				inT = false
			case "rPh", "phoneticPr":
				skip--
			}
		case xml.CharData:
			if inT {
				if int64(cur.Len()+len(t)) > 32767*4 {
					return invalid("shared string too long")
				}
				cur.Write(t)
			}
		}
	}
}

func attr(e xml.StartElement, name string) (string, bool) {
	for _, a := range e.Attr {
		if a.Name.Local == name {
			return a.Value, true
		}
	}
	return "", false
}

func wrapXML(part string, err error) error {
	var le *LimitError
	if errors.As(err, &le) || errors.Is(err, ErrInvalidWorkbook) {
		return err
	}
	return invalid("part %s: %v", part, err)
}
