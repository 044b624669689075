using Esp32.Formats.PartitionTable;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>Development (reflashable, ROM download mode can still write through encryption) or release mode.</summary>
public enum ProvisioningMode
{
    Development,
    Release,
}

/// <summary>
/// One step of a board provisioning. A <see cref="ProvisioningPlan"/> is built once
/// (<see cref="ProvisioningPlanBuilder"/>) and then either rendered as esptool/espsecure/espefuse commands
/// (<see cref="ToolCommandRenderer"/>, for a real board or <c>--dry-run</c>) or executed on a virtual ESP32
/// (<see cref="VirtualPlanExecutor"/>). Files are named relative to the work directory.
/// </summary>
public abstract record ProvisioningStep
{
    /// <summary>One line saying what the step does.</summary>
    public abstract string Summary { get; }

    /// <summary>The step burns eFuses: it cannot be undone on the chip.</summary>
    public virtual bool Irreversible => false;

    /// <summary>The step burns a release-mode eFuse (after it the ROM can no longer write through flash encryption).</summary>
    public virtual bool ReleaseModeBurn => false;
}

/// <summary>nf-build itself writes a file into the work directory (a generated key, an image it built).</summary>
/// <param name="Secret">The file holds key material or credentials: written 0600, deleted after a real run.</param>
public sealed record WriteWorkFileStep(string File, byte[] Contents, string What, bool Secret) : ProvisioningStep
{
    public override string Summary => $"nf-build writes {File} ({Contents.Length} bytes): {What}{(Secret ? " [secret]" : "")}";
}

/// <summary><c>espsecure encrypt-flash-data</c>: ESP32 flash encryption of <see cref="Input"/> for flash address <see cref="Address"/>.</summary>
public sealed record EncryptFileStep(string KeyFile, uint Address, string Input, string Output, int FlashCryptConfig = 0xF) : ProvisioningStep
{
    public override string Summary => $"encrypt {Input} for flash address 0x{Address:X} into {Output}";
}

/// <summary>One (address, file) pair of a <c>write-flash</c>.</summary>
public sealed record FlashWrite(uint Address, string File, string What);

/// <summary><c>esptool write-flash</c> of raw bytes (already encrypted where they must be).</summary>
public sealed record WriteFlashStep(IReadOnlyList<FlashWrite> Writes) : ProvisioningStep
{
    public override string Summary => "write flash: " + string.Join(", ", Writes.Select(w => $"{w.What} at 0x{w.Address:X}"));
}

/// <summary><c>espefuse burn-key flash_encryption KEYFILE</c> (read- and write-protected).</summary>
public sealed record BurnKeyStep(string KeyFile) : ProvisioningStep
{
    public override string Summary => $"burn the flash encryption key {KeyFile} into BLOCK1, read- and write-protected";

    public override bool Irreversible => true;
}

/// <summary>One NAME VALUE pair of a <c>burn-efuse</c>.</summary>
/// <summary>
/// <c>espsecure sign-data --version 2 --keyfile KEY --output OUTPUT INPUT</c>: secure boot v2 signature of a bootloader or
/// app (RSA-3072 PSS). <paramref name="Salt"/> is the PSS salt the virtual run uses (espsecure draws its own; both verify).
/// </summary>
public sealed record SignDataStep(string KeyPath, string Input, string Output, byte[] Salt) : ProvisioningStep
{
    public override string Summary => $"sign {Input} for secure boot v2 with {KeyPath} into {Output}";
}

/// <summary>
/// <c>espefuse burn-key-digest PUBKEY</c>: the SHA-256 of the signing key's public key block into BLOCK2, write-protected.
/// Refused by espefuse before chip revision v3.0.
/// </summary>
public sealed record BurnKeyDigestStep(string PublicKeyFile, int ChipRevision) : ProvisioningStep
{
    public override string Summary => $"burn the secure boot v2 key digest of {PublicKeyFile} into BLOCK2, write-protected";

    public override bool Irreversible => true;
}

public sealed record EfuseValue(string Field, uint Value);

/// <summary><c>espefuse burn-efuse NAME VALUE …</c>.</summary>
public sealed record BurnEfuseStep(IReadOnlyList<EfuseValue> Values, bool Release, string Why) : ProvisioningStep
{
    public override string Summary => $"burn eFuses {string.Join(" ", Values.Select(v => $"{v.Field}=0x{v.Value:X}"))}: {Why}";

    public override bool Irreversible => true;

    public override bool ReleaseModeBurn => Release;
}

/// <summary><c>espefuse write-protect-efuse NAME</c>.</summary>
public sealed record WriteProtectEfuseStep(string Field, bool Release, string Why) : ProvisioningStep
{
    public override string Summary => $"write-protect eFuse {Field}: {Why}";

    public override bool Irreversible => true;

    public override bool ReleaseModeBurn => Release;
}

/// <summary>The whole provisioning of one board, in execution order.</summary>
public sealed class ProvisioningPlan
{
    public ProvisioningPlan(string deviceId, ProvisioningMode mode, bool encrypted, PartitionTable table, IReadOnlyList<ProvisioningStep> steps, IReadOnlyList<string> notes)
    {
        DeviceId = deviceId;
        Mode = mode;
        Encrypted = encrypted;
        Table = table;
        Steps = steps;
        Notes = notes;
        CheckOrder();
    }

    public string DeviceId { get; }

    public ProvisioningMode Mode { get; }

    /// <summary>Flash encryption and NVS encryption (false: the --no-encryption control case).</summary>
    public bool Encrypted { get; }

    public PartitionTable Table { get; }

    public IReadOnlyList<ProvisioningStep> Steps { get; }

    /// <summary>Warnings for the operator (placeholder images, missing bootloader…).</summary>
    public IReadOnlyList<string> Notes { get; }

    /// <summary>
    /// On-chip key generation: the tools burn nothing, but the board's first boot generates the key, encrypts the
    /// flash and burns the eFuses (development or release mode as the bootloader was built).
    /// </summary>
    public bool FirstBootEncrypts { get; init; }

    /// <summary>Running the plan on a board (and resetting it) changes eFuses for ever.</summary>
    public bool HasIrreversibleSteps => FirstBootEncrypts || Steps.Any(s => s.Irreversible);

    /// <summary>
    /// Release mode disables the ROM's encrypted download (DISABLE_DL_ENCRYPT…) and, on v3 chips, UART download
    /// altogether: every flash write must come before the first release-mode burn.
    /// </summary>
    private void CheckOrder()
    {
        int firstRelease = Steps.ToList().FindIndex(s => s.ReleaseModeBurn);
        int lastWrite = Steps.ToList().FindLastIndex(s => s is WriteFlashStep);
        if (firstRelease >= 0 && lastWrite > firstRelease)
            throw new InvalidOperationException($"provisioning plan: flash write (step {lastWrite + 1}) after a release-mode eFuse burn (step {firstRelease + 1})");
        // Secure boot v2: once ABS_DONE_1 is burned the ROM runs only a bootloader signed by the BLOCK2 key, so every
        // flash write comes before the digest and ABS_DONE_1.
        int firstSecureBoot = Steps.ToList().FindIndex(s => s is BurnKeyDigestStep
            || (s is BurnEfuseStep b && b.Values.Any(v => v.Field == Esp32.Formats.Efuse.Esp32EfuseFields.AbsDone1.Name)));
        if (firstSecureBoot >= 0 && lastWrite > firstSecureBoot)
            throw new InvalidOperationException($"provisioning plan: flash write (step {lastWrite + 1}) after a secure boot eFuse burn (step {firstSecureBoot + 1})");
    }
}
