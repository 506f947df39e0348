using System.Runtime.CompilerServices;

// benchmarks/Billing.Resilience.Benchmarks measures the meter's allocation-free total (RentalMeter.Total) and the full
// reading (RentalMeter.Read) against a hand-written fare function; both are internal. Not shipped API.
[assembly: InternalsVisibleTo("Billing.Resilience.Benchmarks")]
