/// The mean of the values that are not NaN, NaN if all are: numpy's `nanmean`, with which the official
/// scorer averages per-class metrics (a class without positives or without decisions has NaN there).
func macroAverage(_ values: [Double]) -> Double {
    var sum = 0.0
    var count = 0
    for value in values where !value.isNaN {
        sum += value
        count += 1
    }
    return count > 0 ? sum / Double(count) : .nan
}

/// `numerator / denominator`, NaN when the denominator is 0, as the official scorer defines its rates
/// and measures.
func ratioOrNaN(_ numerator: Double, _ denominator: Double) -> Double {
    denominator != 0 ? numerator / denominator : .nan
}
