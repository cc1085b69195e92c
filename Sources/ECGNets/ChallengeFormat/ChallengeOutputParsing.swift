/// How strictly `ChallengeOutputReader` reads the fields of an output file.
public enum ChallengeOutputParsing: Sendable {
    /// Exactly three lines of values; every decision `0`/`1` (or `True`/`False`, `T`/`F`, any case the
    /// official scorer knows), every probability a number between 0 and 1, a column for every scored class; anything else is an
    /// error naming the field or the missing classes.
    case strict
    /// As the official 2020 scorer reads them: three or more lines of equal length (later ones ignored),
    /// a decision is positive only if it is `1`, `True`, `true`, `T` or `t`, a probability that is not a
    /// number counts as 0, NaN probabilities are left out of the mean of equivalent columns (probabilities outside
    /// [0, 1] and missing scored classes are scored as they are, all-negative for a missing class, and reported).
    case official
}
