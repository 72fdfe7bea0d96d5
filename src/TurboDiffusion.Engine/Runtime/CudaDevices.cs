using System.Runtime.InteropServices;
using System.Text;

namespace TurboDiffusion.Engine.Runtime;

/// <summary>
/// Device names, compute capability and memory through the CUDA driver API (<c>libcuda.so.1</c>),
/// which TorchSharp does not expose. Only called once CUDA is known to be available.
/// </summary>
internal static unsafe class CudaDevices
{
    private const int AttributeMajor = 75;
    private const int AttributeMinor = 76;

    public static IReadOnlyList<CudaDeviceInfo> List()
    {
        var driver = NativeLibrary.Load("libcuda.so.1");
        var init = (delegate* unmanaged<uint, int>)NativeLibrary.GetExport(driver, "cuInit");
        var getCount = (delegate* unmanaged<int*, int>)NativeLibrary.GetExport(driver, "cuDeviceGetCount");
        var get = (delegate* unmanaged<int*, int, int>)NativeLibrary.GetExport(driver, "cuDeviceGet");
        var getName = (delegate* unmanaged<byte*, int, int, int>)NativeLibrary.GetExport(driver, "cuDeviceGetName");
        var totalMem = (delegate* unmanaged<nuint*, int, int>)NativeLibrary.GetExport(driver, "cuDeviceTotalMem_v2");
        var attribute = (delegate* unmanaged<int*, int, int, int>)NativeLibrary.GetExport(driver, "cuDeviceGetAttribute");
        var retain = (delegate* unmanaged<nint*, int, int>)NativeLibrary.GetExport(driver, "cuDevicePrimaryCtxRetain");
        var release = (delegate* unmanaged<int, int>)NativeLibrary.GetExport(driver, "cuDevicePrimaryCtxRelease_v2");
        var push = (delegate* unmanaged<nint, int>)NativeLibrary.GetExport(driver, "cuCtxPushCurrent_v2");
        var pop = (delegate* unmanaged<nint*, int>)NativeLibrary.GetExport(driver, "cuCtxPopCurrent_v2");
        var memInfo = (delegate* unmanaged<nuint*, nuint*, int>)NativeLibrary.GetExport(driver, "cuMemGetInfo_v2");

        Check(init(0), "cuInit");
        int count;
        Check(getCount(&count), "cuDeviceGetCount");
        var devices = new List<CudaDeviceInfo>(count);
        var name = stackalloc byte[256];
        for (var ordinal = 0; ordinal < count; ordinal++)
        {
            int device, major, minor;
            nuint total, free, ignored;
            nint context, popped;
            Check(get(&device, ordinal), "cuDeviceGet");
            Check(getName(name, 256, device), "cuDeviceGetName");
            Check(totalMem(&total, device), "cuDeviceTotalMem");
            Check(attribute(&major, AttributeMajor, device), "cuDeviceGetAttribute");
            Check(attribute(&minor, AttributeMinor, device), "cuDeviceGetAttribute");
            Check(retain(&context, device), "cuDevicePrimaryCtxRetain");
            try
            {
                Check(push(context), "cuCtxPushCurrent");
                Check(memInfo(&free, &ignored), "cuMemGetInfo");
                Check(pop(&popped), "cuCtxPopCurrent");
            }
            finally
            {
                release(device);
            }

            var text = Encoding.ASCII.GetString(new ReadOnlySpan<byte>(name, 256)).TrimEnd('\0');
            devices.Add(new CudaDeviceInfo(ordinal, text, $"{major}.{minor}", (long)total, (long)free));
        }

        return devices;
    }

    /// <summary>Device <paramref name="ordinal"/>'s compute capability, read without creating a context.</summary>
    public static ComputeCapability Capability(int ordinal)
    {
        var driver = NativeLibrary.Load("libcuda.so.1");
        var init = (delegate* unmanaged<uint, int>)NativeLibrary.GetExport(driver, "cuInit");
        var get = (delegate* unmanaged<int*, int, int>)NativeLibrary.GetExport(driver, "cuDeviceGet");
        var attribute = (delegate* unmanaged<int*, int, int, int>)NativeLibrary.GetExport(driver, "cuDeviceGetAttribute");

        Check(init(0), "cuInit");
        int device, major, minor;
        Check(get(&device, ordinal), "cuDeviceGet");
        Check(attribute(&major, AttributeMajor, device), "cuDeviceGetAttribute");
        Check(attribute(&minor, AttributeMinor, device), "cuDeviceGetAttribute");
        return new ComputeCapability(major, minor);
    }

    private static void Check(int status, string call)
    {
        if (status != 0)
        {
            throw new InvalidOperationException($"CUDA driver call {call} failed with CUresult {status}.");
        }
    }
}
