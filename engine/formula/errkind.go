package formula

import (
	"math"
	"strings"
)

// ErrorCode is an Excel error value (#DIV/0!, #N/A, ...).
type ErrorCode uint8

// Excel error values, numbered as Excel's ERROR.TYPE does.
const (
	ErrNull  ErrorCode = 1 // #NULL!
	ErrDiv0  ErrorCode = 2 // #DIV/0!
	ErrValue ErrorCode = 3 // #VALUE!
	ErrRef   ErrorCode = 4 // #REF!
	ErrName  ErrorCode = 5 // #NAME?
	ErrNum   ErrorCode = 6 // #NUM!
	ErrNA    ErrorCode = 7 // #N/A
	ErrData  ErrorCode = 8 // #GETTING_DATA
	ErrSpill ErrorCode = 9 // #SPILL!
	ErrCalc  ErrorCode = 14
)

var errorNames = map[ErrorCode]string{
	ErrNull: "#NULL!", ErrDiv0: "#DIV/0!", ErrValue: "#VALUE!", ErrRef: "#REF!",
	ErrName: "#NAME?", ErrNum: "#NUM!", ErrNA: "#N/A", ErrData: "#GETTING_DATA",
	ErrSpill: "#SPILL!", ErrCalc: "#CALC!",
}

func (k ErrorCode) String() string {
	if s, ok := errorNames[k]; ok {
		return s
	}
	return "#ERR?"
}

// ParseErrorCode parses Excel's error text ("#N/A").
func ParseErrorCode(s string) (ErrorCode, bool) {
	for k, n := range errorNames {
		if strings.EqualFold(n, s) {
			return k, true
		}
	}
	return 0, false
}

// Lane values are float64s. Everything that is not an ordinary number is a
// quiet NaN whose payload carries a tag and data, so that a batch of any
// Excel values stays a []float64 and arithmetic stays a tight loop: the fast
// path is taken when the result is finite, anything else goes to the slow
// path which decodes the payload.
//
//	bits 63..52: NaN exponent, bit 51: quiet bit
//	bits 50..48: tag (1 error, 2 bool, 3 string, 4 blank)
//	bits 31..0 : data (error kind, 0/1, string index)
const (
	nanBase  = 0x7FF8_0000_0000_0000
	tagShift = 48
	tagMask  = 0x7 << tagShift
	tagError = 1
	tagBool  = 2
	tagStr   = 3
	tagBlank = 4
)

func box(tag, data uint64) float64 {
	return math.Float64frombits(nanBase | tag<<tagShift | data)
}

func unbox(v float64) (tag uint64, data uint64) {
	b := math.Float64bits(v)
	if b&0x7FF8_0000_0000_0000 != nanBase {
		return 0, 0
	}
	return (b & tagMask) >> tagShift, b & 0xFFFF_FFFF
}

// ErrorValue returns the NaN-encoded lane value of error k.
func ErrorValue(k ErrorCode) float64 { return box(tagError, uint64(k)) }

// ErrorKind reports whether lane value v encodes an Excel error, and which.
// An unboxed NaN (never produced by the engine) reads as #NUM!. (The type is
// ErrorCode because Go cannot have a type and a function of one name.)
func ErrorKind(v float64) (ErrorCode, bool) {
	if v == v {
		return 0, false
	}
	tag, data := unbox(v)
	switch tag {
	case tagError:
		return ErrorCode(data), true
	case 0:
		return ErrNum, true
	}
	return 0, false
}

var (
	laneTrue  = box(tagBool, 1)
	laneFalse = box(tagBool, 0)
	laneBlank = box(tagBlank, 0)
)
