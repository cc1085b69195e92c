// The NetCDF-4 C library (checkpoints and prepared datasets).
#include <netcdf.h>
