using System.Text;
using Esp32.Formats;
using Esp32.Formats.AppImage;
using Esp32.Formats.Efuse;
using Esp32.Formats.FlashEncryption;
using Esp32.Formats.FlashImage;
using Esp32.Formats.Flash;
using Esp32.Formats.Nvs;
using Esp32.Formats.Ota;
using Esp32.Formats.PartitionTable;
using IotDevice.Core.Messaging;

namespace NfBuild.VirtualDevice.Provisioning;

/// <summary>What to provision: the device, the images, and how.</summary>
public sealed record ProvisioningRequest
{
    public required string FleetDirectory { get; init; }

    public required string DeviceId { get; init; }

    /// <summary>False: plaintext flash and NVS, no eFuse burned (the audit's control case; virtual devices only make sense).</summary>
    public bool Encrypt { get; init; } = true;

    public ProvisioningMode Mode { get; init; } = ProvisioningMode.Development;

    /// <summary>A partitions.csv instead of the product table embedded in the tool.</summary>
    public string? PartitionsCsvPath { get; init; }

    /// <summary>The second-stage bootloader (built with flash encryption and NVS encryption enabled); null: none written.</summary>
    public string? BootloaderPath { get; init; }

    /// <summary>The nanoCLR app image for ota_0; null: the placeholder image (boots on the virtual ESP32 only).</summary>
    public string? AppPath { get; init; }

    /// <summary>The managed-code deployment for deploy_0; null: none written.</summary>
    public string? DeployPath { get; init; }

    /// <summary>
    /// On-chip key generation: nothing is encrypted on the host and no eFuse is burned by the tools; the bootloader
    /// (built with CONFIG_SECURE_FLASH_ENC_ENABLED and the mode's Kconfig) generates the key inside the chip on the
    /// first boot, encrypts bootloader, table, apps, otadata, nvs_keys and encrypted partitions in place and burns the
    /// eFuses. Nobody ever sees the key. NVS is still NVS-encrypted on the host with nvs_keys written in plaintext,
    /// which that first boot encrypts.
    /// </summary>
    public bool OnChipKey { get; init; }

    /// <summary>An existing 32-byte flash encryption key file (espsecure byte order) instead of a generated one.</summary>
    public string? FlashKeyPath { get; init; }

    /// <summary>esp_app_desc_t.version / secure_version / build time of the placeholder app.</summary>
    public string AppVersion { get; init; } = "1.0.0";

    public uint SecureVersion { get; init; }

    public DateTime? AppBuildTime { get; init; }

    /// <summary>Major chip revision (from <c>esptool chip-id</c>); UART_DOWNLOAD_DIS exists from v3.</summary>
    public int ChipRevisionMajor { get; init; } = 3;

    /// <summary>
    /// Secure boot v2 (ESP32 v3.0+ only): bootloader and app signed with the fleet's RSA-3072 key, its digest burned into
    /// BLOCK2 and ABS_DONE_1 burned after every flash write. Needs host-side flash encryption and a bootloader.
    /// </summary>
    public bool SecureBoot { get; init; }

    /// <summary>The secure boot signing key; null: <see cref="SecureBootSigningKey.DefaultPath"/> (created if missing).</summary>
    public string? SigningKeyPath { get; init; }

    /// <summary>Key material source; <see cref="SeededProvisioningRandom"/> in tests only.</summary>
    public IProvisioningRandom Random { get; init; } = SystemProvisioningRandom.Instance;
}

/// <summary>
/// Builds the one <see cref="ProvisioningPlan"/> of a board from the device's bundle (README "Board provisioning"):
/// work files (key, images, NVS encrypted with its nvs_keys), the espsecure encryptions, one esptool write of every
/// region, then the eFuse burns (key, development mode), then — last — the release-mode burns.
/// </summary>
public static class ProvisioningPlanBuilder
{
    public const string FlashKeyFile = "flash_encryption_key.bin";
    public const string NvsKeysFile = "nvs_keys.bin";
    public const string SecureBootPublicKeyFile = "secure_boot_public_key.pem";

    /// <summary>Why secure boot is refused on a chip before v3.0 (ESP-IDF's Kconfig dependency).</summary>
    public const string SecureBootRevisionReason = "SECURE_BOOT_V2 needs ESP32_REV_MIN_FULL >= 300";

    /// <summary>The NVS namespace of the device schema.</summary>
    public const string Namespace = "iotdev";

    /// <exception cref="ArgumentException">Bad device id.</exception>
    /// <exception cref="FileNotFoundException">No bundle, or a named image/key file is missing.</exception>
    /// <exception cref="Esp32FormatException">An image does not fit its partition or is not an ESP32 app, a key file is malformed, the table lacks a partition.</exception>
    public static ProvisioningPlan Build(ProvisioningRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        DeviceTopics.ValidateDeviceId(request.DeviceId);
        if (!request.Encrypt && request.Mode == ProvisioningMode.Release)
            throw new ArgumentException("release mode needs flash encryption (drop --no-encryption)");
        if (request.OnChipKey && (!request.Encrypt || request.FlashKeyPath is not null))
            throw new ArgumentException("--on-chip-key cannot be combined with --no-encryption or --flash-key");
        bool hostEncrypts = request.Encrypt && !request.OnChipKey;
        if (request.SecureBoot)
        {
            if (request.ChipRevisionMajor < 3)
                throw new ArgumentException($"--secure-boot refused: {SecureBootRevisionReason} (chip revision v3.0); this chip is v{request.ChipRevisionMajor}");
            if (!hostEncrypts)
                throw new ArgumentException("--secure-boot needs host-side flash encryption (not --no-encryption or --on-chip-key)");
            if (request.BootloaderPath is null)
                throw new ArgumentException("--secure-boot needs --bootloader: the ROM verifies the bootloader's signature");
        }
        string bundle = VirtualProvisioner.BundleDirectory(request.FleetDirectory, request.DeviceId);
        string csv = Path.Combine(bundle, "nvs.csv");
        if (!File.Exists(csv))
            throw new FileNotFoundException($"no provisioning bundle for '{request.DeviceId}': {csv} does not exist", csv);

        PartitionTable table = request.PartitionsCsvPath is { } path ? PartitionTable.FromCsv(File.ReadAllText(path)) : VirtualProvisioner.ProductTable();
        PartitionEntry nvsEntry = table.Find("nvs") ?? throw new Esp32FormatException("the partition table has no 'nvs' partition");
        PartitionEntry otadataEntry = table.OtaData ?? throw new Esp32FormatException("the partition table has no otadata partition");
        PartitionEntry ota0 = table.OtaAppSlots.FirstOrDefault(e => e.OtaSlot == 0) ?? throw new Esp32FormatException("the partition table has no ota_0 partition");
        PartitionEntry? keysEntry = table.FindBySubtype(PartitionTypes.Data, PartitionSubtypes.NvsKeys);
        if (request.Encrypt && keysEntry is null)
            throw new Esp32FormatException("NVS encryption needs an nvs_keys partition in the table");
        // Checked at construction: partitions inside the flash and above the table.
        _ = new FlashImageBuilder(table);

        var notes = new List<string>();
        var files = new List<WriteWorkFileStep>();
        var writes = new List<(FlashWrite Write, bool Encrypt)>();
        var signs = new List<SignDataStep>();

        // Secure boot: the fleet's signing key (created on first use) and its public key for burn-key-digest.
        string? signingKeyPath = null;
        if (request.SecureBoot)
        {
            signingKeyPath = Path.GetFullPath(request.SigningKeyPath ?? SecureBootSigningKey.DefaultPath(request.FleetDirectory));
            var (signingKey, created) = SecureBootSigningKey.LoadOrCreate(signingKeyPath);
            using (signingKey)
            {
                if (created)
                    notes.Add($"nf-build generated the fleet's secure boot signing key {signingKeyPath} (0600; as espsecure generate-signing-key --version 2 --scheme rsa3072): keep it secret and backed up");
                files.Add(new WriteWorkFileStep(SecureBootPublicKeyFile, System.Text.Encoding.ASCII.GetBytes(signingKey.ExportSubjectPublicKeyInfoPem() + "\n"),
                    "secure boot v2 public key (its digest goes into BLOCK2)", Secret: false));
            }
        }

        void Add(string file, byte[] contents, string what, bool secret, uint address, bool encrypt, bool sign = false)
        {
            files.Add(new WriteWorkFileStep(file, PadTo16(contents), what, secret));
            string flashed = file;
            if (sign && signingKeyPath is not null)
            {
                flashed = Path.GetFileNameWithoutExtension(file) + ".signed.bin";
                signs.Add(new SignDataStep(signingKeyPath, file, flashed, request.Random.GetBytes(Esp32.Formats.SecureBoot.SecureBootV2PssEncoder.SaltLength)));
                what += ", signed";
            }
            writes.Add((new FlashWrite(address, flashed, what), encrypt && hostEncrypts));
        }

        int SignedLength(byte[] contents) => request.SecureBoot
            ? Esp32.Formats.SecureBoot.SecureBootV2Signer.AlignUp(PadTo16(contents).Length) + Esp32.Formats.SecureBoot.SecureBootV2SignatureBlock.SectorSize
            : PadTo16(contents).Length;

        // Flash encryption key: generated per device (or the operator's), never reused.
        byte[]? key = null;
        if (hostEncrypts)
        {
            key = request.FlashKeyPath is { } keyPath ? ReadKeyFile(keyPath) : request.Random.GetBytes(FlashEncryptionKeyFile.Size256);
            files.Add(new WriteWorkFileStep(FlashKeyFile, key,
                request.FlashKeyPath is null ? $"flash encryption key generated for {request.DeviceId}" : $"flash encryption key from {request.FlashKeyPath}", Secret: true));
        }

        if (request.BootloaderPath is { } bootloaderPath)
        {
            byte[] bootloader = ReadImage(bootloaderPath, "bootloader");
            if (bootloader.Length == 0 || bootloader[0] != AppImageHeader.ImageMagic)
                throw new Esp32FormatException($"{bootloaderPath} is not an ESP32 image (first byte 0x{(bootloader.Length > 0 ? bootloader[0] : 0):X2}, expected 0xE9)");
            long room = PartitionTable.DefaultOffset - FlashImageBuilder.BootloaderOffset;
            if (SignedLength(bootloader) > room)
                throw new Esp32FormatException($"bootloader {bootloaderPath} ({bootloader.Length} bytes{(request.SecureBoot ? ", plus padding and the 4 KB signature sector" : "")}) does not fit below the partition table (0x{room:X} bytes)");
            Add("bootloader.bin", bootloader, "second-stage bootloader", false, FlashImageBuilder.BootloaderOffset, true, sign: true);
        }
        else
        {
            notes.Add("no --bootloader: the bootloader area stays erased (enough for the virtual ESP32; a real board needs the project's bootloader)");
        }

        Add("partition-table.bin", table.ToBinary(), "partition table", false, PartitionTable.DefaultOffset, true);

        // NVS from the bundle (+ the fleet's release public key), NVS-encrypted with nvs_keys of this device.
        NvsKeys? nvsKeys = request.Encrypt ? new NvsKeys(request.Random.GetBytes(NvsKeys.Size)) : null;
        byte[] nvs = NvsPartitionGenerator.Generate(NvsCsv(request.FleetDirectory, bundle, csv), (int)nvsEntry.Size, new NvsGeneratorOptions
        {
            BaseDirectory = bundle,
            EncryptionKey = nvsKeys?.ToXtsKey(),
            SourceName = csv,
        });
        Add("nvs.bin", nvs, request.Encrypt ? "NVS (identity, CA, Wi-Fi, fallback credentials), NVS-encrypted" : "NVS (identity, CA, Wi-Fi, fallback credentials), PLAINTEXT",
            !request.Encrypt, nvsEntry.Offset, nvsEntry.IsFlashEncryptedWhenEnabled);

        var otadata = new MemoryFlash((int)otadataEntry.Size);
        new OtaDataPartition(otadata).SwitchOtaPartition(OtaSlotLayout.FromPartitionTable(table), 0);
        Add("otadata.bin", otadata.Contents.ToArray(), "otadata selecting ota_0", false, otadataEntry.Offset, true);

        byte[] app;
        if (request.AppPath is { } appPath)
        {
            app = ReadImage(appPath, "app");
            AppImageInfo info;
            try
            {
                info = AppImageInfo.Parse(app);
            }
            catch (Esp32FormatException e)
            {
                throw new Esp32FormatException($"{appPath} is not an ESP32 app image: {e.Message}", e);
            }
            if (!info.IsValid || info.Header.ChipId != AppImageHeader.Esp32ChipId)
                throw new Esp32FormatException($"{appPath} is not a valid ESP32 app image (checksum, SHA-256 or chip id)");
        }
        else
        {
            app = VirtualProvisioner.PlaceholderNanoClr(request.AppVersion, request.SecureVersion, request.AppBuildTime);
            notes.Add("no --app: ota_0 gets the placeholder nanoCLR image (boots on the virtual ESP32 only)");
        }
        CheckFits(app, ota0, "app");
        if (SignedLength(app) > ota0.Size)
            throw new Esp32FormatException($"signed app ({app.Length} bytes plus padding and the 4 KB signature sector) does not fit partition {ota0.Name} (size 0x{ota0.Size:X})");
        Add("app.bin", app, $"nanoCLR app for {ota0.Name}", false, ota0.Offset, true, sign: true);

        if (request.DeployPath is { } deployPath)
        {
            PartitionEntry deploy = table.Find("deploy_0") ?? throw new Esp32FormatException("the partition table has no deploy_0 partition");
            byte[] contents = ReadImage(deployPath, "deploy");
            CheckFits(contents, deploy, "deployment");
            Add("deploy.bin", contents, $"managed code for {deploy.Name}", false, deploy.Offset, true);
        }

        if (nvsKeys is not null)
            Add(NvsKeysFile, NvsKeysPartition.Build(nvsKeys), "nvs_keys (NVS XTS keys + CRC)", true, keysEntry!.Offset, true);

        var steps = new List<ProvisioningStep>(files);
        steps.AddRange(signs);
        var flash = new List<FlashWrite>();
        foreach (var (write, encrypt) in writes.OrderBy(w => w.Write.Address))
        {
            if (encrypt)
            {
                string output = Path.GetFileNameWithoutExtension(write.File) + ".enc.bin";
                steps.Add(new EncryptFileStep(FlashKeyFile, write.Address, write.File, output));
                flash.Add(write with { File = output, What = write.What + " (flash-encrypted)" });
            }
            else
            {
                flash.Add(write);
            }
        }
        steps.Add(new WriteFlashStep(flash));

        if (request.OnChipKey)
        {
            notes.Add($"on-chip key: the first boot generates the key and encrypts the flash; the bootloader must be built with CONFIG_SECURE_FLASH_ENC_ENABLED and CONFIG_SECURE_FLASH_ENCRYPTION_MODE_{request.Mode.ToString().ToUpperInvariant()} (it burns the eFuses, not these commands)");
            return new ProvisioningPlan(request.DeviceId, request.Mode, request.Encrypt, table, steps, notes) { FirstBootEncrypts = true };
        }
        if (request.Encrypt)
        {
            steps.Add(new BurnKeyStep(FlashKeyFile));
            steps.Add(new BurnEfuseStep(
                [new(Esp32EfuseFields.FlashCryptConfig.Name, 0xF), new(Esp32EfuseFields.FlashCryptCnt.Name, 0x1)], Release: false,
                "flash encryption on (development mode: one FLASH_CRYPT_CNT bit; the ROM can still write through encryption)"));
        }
        if (request.SecureBoot)
        {
            steps.Add(new BurnKeyDigestStep(SecureBootPublicKeyFile, request.ChipRevisionMajor * 100));
            steps.Add(new BurnEfuseStep([new(Esp32EfuseFields.AbsDone1.Name, 1)], Release: false,
                "secure boot v2 on: the ROM runs only a bootloader signed by the fleet key, the bootloader only signed apps (after every flash write)"));
        }
        if (request.Mode == ProvisioningMode.Release)
        {
            steps.Add(new BurnEfuseStep(
                [
                    new(Esp32EfuseFields.JtagDisable.Name, 1), new(Esp32EfuseFields.ConsoleDebugDisable.Name, 1),
                    new(Esp32EfuseFields.DisableDlEncrypt.Name, 1), new(Esp32EfuseFields.DisableDlDecrypt.Name, 1),
                    new(Esp32EfuseFields.DisableDlCache.Name, 1), new(Esp32EfuseFields.FlashCryptCnt.Name, 0x7F),
                ], Release: true,
                "release mode: JTAG off, no ROM download-mode encrypt/decrypt/cache, FLASH_CRYPT_CNT full (encryption can never be turned off)"));
            steps.Add(new WriteProtectEfuseStep("DIS_CACHE", Release: true, "release mode (esp_flash_encryption_set_release_mode)"));
            if (request.ChipRevisionMajor >= 3)
                steps.Add(new BurnEfuseStep([new(Esp32EfuseFields.UartDownloadDis.Name, 1)], Release: true,
                    "UART download mode off: no esptool/espefuse access any more; updates only by OTA"));
            else
                notes.Add($"chip revision v{request.ChipRevisionMajor}: UART_DOWNLOAD_DIS does not exist before v3, the ROM download mode stays (it can no longer write through encryption)");
        }
        if (key is not null)
            CheckKeyIsUsable(key);
        return new ProvisioningPlan(request.DeviceId, request.Mode, request.Encrypt, table, steps, notes);
    }

    /// <summary>The bundle's nvs.csv, plus <c>rel_pubkey</c> when the fleet has a release key (<c>&lt;fleet&gt;/release/release.pub.pem</c>).</summary>
    public static string NvsCsv(string fleetDirectory, string bundle, string csv)
    {
        string text = File.ReadAllText(csv, new UTF8Encoding(false, true));
        string pub = ReleasePublicKeyPath(fleetDirectory);
        if (!File.Exists(pub))
            return text;
        string? lastNamespace = text.Split('\n').Select(l => l.Trim().Split(','))
            .Where(f => f.Length >= 2 && f[1].Trim() == "namespace").Select(f => f[0].Trim()).LastOrDefault();
        if (lastNamespace != Namespace)
            throw new Esp32FormatException($"{csv}: its last namespace is '{lastNamespace}', not '{Namespace}'; cannot add rel_pubkey");
        string relative = Path.GetRelativePath(bundle, pub).Replace('\\', '/');
        if (relative.Contains(',') || relative.Contains('"'))
            throw new Esp32FormatException($"the release public key path {pub} contains ',' or '\"', which the NVS CSV cannot hold");
        return (text.EndsWith('\n') ? text : text + "\n") + $"rel_pubkey,file,string,{relative}\n";
    }

    public static string ReleasePublicKeyPath(string fleetDirectory) => Path.Combine(fleetDirectory, "release", "release.pub.pem");

    /// <summary>espsecure pads a partial last block with random bytes; the plan pads with 0xFF (erased flash) so the result is reproducible.</summary>
    public static byte[] PadTo16(byte[] contents)
    {
        int length = (contents.Length + 15) & ~15;
        if (length == contents.Length)
            return contents;
        var padded = new byte[length];
        Array.Fill(padded, (byte)0xFF);
        contents.CopyTo(padded, 0);
        return padded;
    }

    private static void CheckFits(byte[] contents, PartitionEntry entry, string what)
    {
        if (PadTo16(contents).Length > entry.Size)
            throw new Esp32FormatException($"{what} image of {contents.Length} bytes does not fit partition {entry.Name} (size 0x{entry.Size:X})");
    }

    private static byte[] ReadImage(string path, string what)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"{what} image {path} does not exist", path);
        return File.ReadAllBytes(path);
    }

    private static byte[] ReadKeyFile(string path)
    {
        if (!File.Exists(path))
            throw new FileNotFoundException($"flash encryption key file {path} does not exist", path);
        byte[] key = File.ReadAllBytes(path);
        if (key.Length != FlashEncryptionKeyFile.Size256)
            throw new Esp32FormatException($"flash encryption key file {path} has {key.Length} bytes; the ESP32 (coding scheme NONE) needs 32 (espsecure generate-flash-encryption-key)");
        return key;
    }

    private static void CheckKeyIsUsable(byte[] key)
    {
        if (key.AsSpan().IndexOfAnyExcept((byte)0) < 0 || key.AsSpan().IndexOfAnyExcept((byte)0xFF) < 0)
            throw new Esp32FormatException("the flash encryption key is all 0x00 or all 0xFF: refusing to burn it");
    }
}
