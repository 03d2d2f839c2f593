package metrics

// ResetOperations forgets the operation names seen (tests of the cap).
func ResetOperations() {
	operationNames.Lock()
	defer operationNames.Unlock()
	clear(operationNames.m)
}
