namespace Esp32.Formats.Nvs;

/// <summary>
/// Page state word at offset 0 of a page header (Page::PageState). States advance by clearing bits,
/// so each transition is a single NOR-flash write.
/// </summary>
public enum NvsPageState : uint
{
    /// <summary>Erased page (all bits set); its header is written lazily on first use.</summary>
    Uninitialized = 0xFFFFFFFF,
    /// <summary>The page that receives new entries.</summary>
    Active = 0xFFFFFFFE,
    /// <summary>No more entries will be written to this page.</summary>
    Full = 0xFFFFFFFC,
    /// <summary>Live items are being moved off this page before it is erased.</summary>
    Freeing = 0xFFFFFFF8,
    /// <summary>Unreadable page, kept for diagnostics until space is needed.</summary>
    Corrupt = 0xFFFFFFF0,
    /// <summary>In-memory only: the page could not be loaded or a flash operation failed.</summary>
    Invalid = 0,
}
