// Package allowfrom tests driver.AllowSyncFrom naming gorm and bun whole.
// The allowance lasts for the process, so it has a test binary of its own:
// the tests of package interop check that unmarked gorm and bun calls are
// refused.
package allowfrom
