package driver

// ResetAllowSyncFrom undoes AllowSyncFrom, for tests that must not leave
// an allowance behind for the tests after them.
func ResetAllowSyncFrom() { allowedFrom.Store(nil) }
