.8byte 0x18
.8byte 0
