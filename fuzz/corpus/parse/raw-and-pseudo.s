.8byte 0xffffffffffffffff
.8byte 0x0000000500000118
r1 = map_value(3, 8) ll
call kfunc(7, 2)
exit
