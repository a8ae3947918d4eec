package tenancy

// SetStepFunc makes m call f after each step of a move; an error from f
// stops the move there, as a crash would.
func SetStepFunc(m *Mover, f func(step string) error) { m.stepFunc = f }
