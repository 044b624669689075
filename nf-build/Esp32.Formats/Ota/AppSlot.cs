namespace Esp32.Formats.Ota;

/// <summary>
/// An app partition as the bootloader indexes them (bootloader_config.h): <c>FACTORY_INDEX</c> (-1),
/// <c>TEST_APP_INDEX</c> (-2) or OTA slot N (app subtype ota_N).
/// </summary>
public readonly record struct AppSlot
{
    private const int FactoryIndex = -1;
    private const int TestIndex = -2;

    private AppSlot(int index) => Index = index;

    /// <summary>The bootloader's index: -1 factory, -2 test, N for ota_N.</summary>
    public int Index { get; }

    /// <summary>The factory app (app/factory).</summary>
    public static AppSlot Factory { get; } = new(FactoryIndex);

    /// <summary>The test app (app/test).</summary>
    public static AppSlot Test { get; } = new(TestIndex);

    /// <summary>OTA slot <paramref name="slot"/> (app/ota_N, 0..15).</summary>
    public static AppSlot Ota(int slot) =>
        slot is >= 0 and < PartitionTable.PartitionSubtypes.OtaSlotCount ? new AppSlot(slot) : throw new ArgumentOutOfRangeException(nameof(slot), slot, "OTA slots are 0..15");

    /// <summary>This is the factory app.</summary>
    public bool IsFactory => Index == FactoryIndex;

    /// <summary>This is the test app.</summary>
    public bool IsTest => Index == TestIndex;

    /// <summary>This is an OTA slot (<see cref="OtaIndex"/> is defined).</summary>
    public bool IsOta => Index >= 0;

    /// <summary>The OTA slot number.</summary>
    /// <exception cref="InvalidOperationException">Not an OTA slot.</exception>
    public int OtaIndex => IsOta ? Index : throw new InvalidOperationException($"{this} is not an OTA slot");

    /// <inheritdoc />
    public override string ToString() => IsFactory ? "factory" : IsTest ? "test" : $"ota_{Index}";
}
