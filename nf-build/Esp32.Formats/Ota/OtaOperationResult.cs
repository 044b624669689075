namespace Esp32.Formats.Ota;

/// <summary>The outcome of an app-side esp_ota_* call.</summary>
/// <param name="Error">The esp_err_t it returns.</param>
/// <param name="Writes">The otadata writes it performs, in order (none unless <see cref="OtaError.Ok"/>).</param>
/// <param name="OtaDataAfter">The otadata copies after the writes.</param>
public sealed record OtaOperationResult(OtaError Error, IReadOnlyList<OtaDataWrite> Writes, OtaSelectPair OtaDataAfter)
{
    /// <summary>
    /// Anti-rollback only: the call burns the running app's secure_version into eFuse
    /// (<c>esp_ota_set_anti_rollback</c> after marking it valid).
    /// </summary>
    public bool UpdatesSecureVersion { get; init; }

    /// <summary>
    /// Anti-rollback only: <c>esp_ota_set_boot_partition</c> erased the target app partition because its
    /// secure_version is below the eFuse value.
    /// </summary>
    public bool ErasesTargetPartition { get; init; }

    internal static OtaOperationResult Failed(OtaError error, OtaSelectPair unchanged) => new(error, [], unchanged);

    internal static OtaOperationResult Done(OtaSelectPair before, params OtaDataWrite[] writes)
    {
        var after = before;
        foreach (var write in writes)
        {
            after = write switch
            {
                OtaEntryRewrite rewrite => after.With(rewrite.Copy, rewrite.Entry),
                OtaDataErase => OtaSelectPair.Erased,
                // Skipping an unknown write would report otadata contents the flash will not hold.
                _ => throw new ArgumentException($"unknown otadata write {write}", nameof(writes)),
            };
        }
        return new OtaOperationResult(OtaError.Ok, writes, after);
    }
}
