package sample

import "math/bits"

// Feistel rounds of a stratumPerm (even numbers). Six rounds of a
// splitMix64 round function give permutations that pass uniformity tests
// (every stratum equally likely at every position, over seeds) and show no
// rank correlation with the iteration index or between inputs; four do
// not quite. Domains of fewer than smallDomainBits bits have halves of at
// most four bits, whose round functions take so few values that six rounds
// leave a visible bias; they get twelve, at no practical cost.
const (
	feistelRounds     = 6
	smallDomainRounds = 12
	smallDomainBits   = 8
)

// stratumPerm is a keyed pseudo-random permutation of [0, n), computed on
// the fly in constant time and memory: the LHS stratum permutation of one
// input. It replaces a stored table of n indices, so that the memory of a
// simulation does not grow with its number of iterations.
//
// It is a Feistel network with cycle walking. Let b = ⌈log₂ n⌉ and split a
// value x into a low half r of w = ⌊b/2⌋ bits and a high half l = x >> w.
// The low half ranges over [0, 2^w) and the high half over [0, a) with
// a = ⌈n/2^w⌉ (a radix, not a power of two, as in the numeric Feistel
// networks of format-preserving encryption), so the network permutes the
// rectangle [0, a·2^w), which exceeds [0, n) by less than 2^w. The rounds
// alternate
//
//	l ← (l + F(key_j, r)) mod a   and   r ← r ⊕ (F(key_j, l) mod 2^w),
//
// each a bijection of the rectangle whatever F is, so their composition is
// one too. F(k, v) = splitMix64(k ⊕ v), reduced to [0, a) by the high bits
// of a multiplication (Lemire's reduction; its bias, below a/2³², is
// immaterial here), and key_j hashes (seed, input, round j, half). Cycle
// walking (applying the network again while the value is ≥ n) then gives a
// bijection of [0, n): starting from x < n, the walk follows x's cycle and
// stops at the next value of the cycle that is < n. Because the rectangle
// exceeds n by less than 2^w < √(2n), a walk needs a second step with
// probability below 1/a ≤ √(2/n) (with a power-of-two domain it would be up
// to one half, and the unpredictable branch would cost more than the
// network). The walks from all of [0, n) visit each value of the rectangle
// at most once, so they take at most a·2^w < n + √(2n) steps in all.
//
// Tiny domains work too: n = 1 is the rectangle 1×1 (the identity), n = 2
// the rectangle 2×1 (a keyed rotation mod 2), n = 3 the rectangle 2×2.
type stratumPerm struct {
	n      uint64
	a      uint64 // radix of the high half l
	loBits uint   // width w of the low half r
	loMask uint64 // 2^w − 1
	rounds int    // feistelRounds or smallDomainRounds
	key    [smallDomainRounds]uint64
}

// newStratumPerm returns the stratum permutation of input for a plan of n
// (1 ≤ n ≤ MaxIterations) iterations and the given seed.
func newStratumPerm(seed uint64, input, n int) stratumPerm {
	b := uint(bits.Len64(uint64(n) - 1)) // 0 for n = 1
	w := b / 2
	p := stratumPerm{
		n:      uint64(n),
		a:      (uint64(n) + 1<<w - 1) >> w,
		loBits: w,
		loMask: 1<<w - 1,
		rounds: feistelRounds,
	}
	if b < smallDomainBits {
		p.rounds = smallDomainRounds
	}
	// The hash chain of newStream, with the purpose of the permutation.
	h := splitMix64(seed)
	h = splitMix64(h ^ purposeLHS)
	h = splitMix64(h ^ uint64(input))
	for j := range p.rounds {
		half := uint64(j & 1) // 0: round j changes l, 1: it changes r
		p.key[j] = splitMix64(h ^ uint64(j)<<1 ^ half)
	}
	return p
}

// at returns the stratum of iteration g, for 0 ≤ g < n.
func (p *stratumPerm) at(g uint64) uint64 {
	x := p.feistel(g)
	for x >= p.n {
		x = p.feistel(x)
	}
	return x
}

// feistel is the Feistel network, a bijection of [0, a·2^w).
func (p *stratumPerm) feistel(x uint64) uint64 {
	l, r := x>>p.loBits, x&p.loMask
	for j := 0; j < p.rounds; j += 2 {
		l += (splitMix64(p.key[j]^r) >> 32) * p.a >> 32
		if l >= p.a {
			l -= p.a
		}
		r ^= splitMix64(p.key[j+1]^l) & p.loMask
	}
	return l<<p.loBits | r
}

// permLanes is how many iterations strata runs through the network side by
// side: their rounds are independent, so the processor overlaps them
// instead of waiting on one chain of multiplications at a time (about 1.5
// times as fast as calling at for each iteration).
const permLanes = 8

// strata sets dst[k] = float64(p.at(first+k)) for every k; first+len(dst)
// must not exceed n.
func (p *stratumPerm) strata(first uint64, dst []float64) {
	var l, r [permLanes]uint64
	for len(dst) >= permLanes {
		for i := range permLanes {
			x := first + uint64(i)
			l[i], r[i] = x>>p.loBits, x&p.loMask
		}
		for j := 0; j < p.rounds; j += 2 {
			k0, k1 := p.key[j], p.key[j+1]
			for i := range permLanes {
				li := l[i] + (splitMix64(k0^r[i])>>32)*p.a>>32
				if li >= p.a {
					li -= p.a
				}
				l[i] = li
				r[i] ^= splitMix64(k1^li) & p.loMask
			}
		}
		for i := range permLanes {
			x := l[i]<<p.loBits | r[i]
			for x >= p.n { // rare: probability below 1/a
				x = p.feistel(x)
			}
			dst[i] = float64(x)
		}
		first += permLanes
		dst = dst[permLanes:]
	}
	for k := range dst {
		dst[k] = float64(p.at(first + uint64(k)))
	}
}
