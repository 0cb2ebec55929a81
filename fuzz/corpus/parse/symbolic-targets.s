top: r0 = 0
if w1 s< w2 goto out ; if r1 == 5 goto out
may_goto top
gotol out
call sub
r3 = func(sub) ll
goto top
out: exit
sub: r0 = 1
exit
