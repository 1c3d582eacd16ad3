set terminal pngcairo size 1100,650 font ',10'
set output '/work/main/bench/legit_success.png'
set title 'Legitimate connections under a spoofed SYN flood (6.12.117+deb12-amd64, QEMU TCG, median of 1 runs)'
set xlabel 'flood rate offered (kpps)'
set ylabel 'legitimate connections that succeed (%)'
set yrange [-5:105]
set xrange [0:*]
set grid
set key outside right
set arrow from 3, graph 0 to 3, graph 1 nohead dt 3
set label 'kernel capacity' at 3, graph 0.04 offset 0.5,0
plot '/work/main/bench/legit_success.dat' index 0 with linespoints lw 2 dt 1 pt 5 title 'synguard always'
