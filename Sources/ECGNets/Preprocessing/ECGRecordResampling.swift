extension ECGRecord {
    /// This record with every lead resampled to `targetRate` Hz by `PolyphaseResampler` (scipy's `resample_poly`);
    /// the record itself when it is already at that rate. Each call designs the filter anew (up to
    /// `20 * PolyphaseResampler.maximumFactor + 1` taps), which is cheap next to reading a record.
    public func resampled(to targetRate: Double) throws(ResamplingError) -> ECGRecord {
        if targetRate == samplingFrequency { return self }
        let resampler = try PolyphaseResampler(from: samplingFrequency, to: targetRate)
        var record = self
        record.signals = signals.map(resampler.resample)
        record.samplingFrequency = targetRate
        return record
    }
}
